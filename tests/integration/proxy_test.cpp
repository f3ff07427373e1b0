// The proxy to internal services (API.md "Proxy to internal services"): what the upstream
// receives, what it never receives, and how failures are answered. A real Gatehouse process
// against the run's PostgreSQL and Redis, in front of a real upstream HTTP server.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/json/object.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <thread>

namespace gh::test {
namespace {

namespace json = boost::json;

/// Verifies an EdDSA JWT against a JWK set the way an upstream's own library would (OpenSSL,
/// nothing of Gatehouse's verifier); the payload when the signature holds.
std::optional<json::object> verify_with_jwks(const std::string& token, const std::string& jwks,
                                             json::object* header_out = nullptr) {
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  if (dot1 == std::string::npos || dot2 == dot1)
    return std::nullopt;
  const auto header_text = crypto::base64url_decode(token.substr(0, dot1));
  const auto payload_text = crypto::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = crypto::base64url_decode(token.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature)
    return std::nullopt;
  const auto header = json::parse(*header_text).as_object();
  const auto* kid = header.if_contains("kid");
  if (kid == nullptr || !kid->is_string())
    return std::nullopt;
  const auto input = token.substr(0, dot2);
  const auto set = json::parse(jwks);
  for (const auto& k : set.at("keys").as_array()) {
    const auto& key = k.as_object();
    if (key.at("kid") != *kid || key.at("crv") != "Ed25519")
      continue;
    const auto raw = crypto::base64url_decode(std::string{key.at("x").as_string()});
    if (!raw)
      return std::nullopt;
    auto* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                             reinterpret_cast<const unsigned char*>(raw->data()),
                                             raw->size());
    auto* md = EVP_MD_CTX_new();
    const bool ok =
        pkey != nullptr && EVP_DigestVerifyInit(md, nullptr, nullptr, nullptr, pkey) == 1 &&
        EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature->data()),
                         signature->size(), reinterpret_cast<const unsigned char*>(input.data()),
                         input.size()) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    if (!ok)
      return std::nullopt;
    if (header_out != nullptr)
      *header_out = header;
    return json::parse(*payload_text).as_object();
  }
  return std::nullopt;
}

TEST_F(ProxyTest, ForwardsMethodPathQueryAndBody) {
  auto r = http_call(port(), "PUT", "/api/v1/open/things/7?x=1&y=2", "payload",
                     {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "payload");
  EXPECT_EQ(r.headers["x-upstream"], "yes");
  EXPECT_FALSE(r.headers["x-request-id"].empty());
  auto seen = upstream->last();
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.target, "/things/7?x=1&y=2");
  EXPECT_EQ(seen.body, "payload");
  // The upstream URL's base path goes first; the prefix alone is the base itself.
  r = http_call(port(), "GET", "/api/v1/generation/a/b?q=1", {},
                {{"Authorization", "Bearer " + token()}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(upstream->last().target, "/svc/a/b?q=1");
  r = http_call(port(), "GET", "/api/v1/open");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(upstream->last().target, "/");
  // A path that only starts like a prefix is not under it.
  EXPECT_EQ(http_call(port(), "GET", "/api/v1/openness").status, 404);
}

TEST_F(ProxyTest, EveryHeaderRule) {
  const auto access = token();
  const auto r = raw_exchange(
      port(), "POST /api/v1/generation/plan HTTP/1.1\r\nHost: api.example.com\r\n"
              "Authorization: Bearer " +
                  access +
                  "\r\n"
                  "Cookie: theme=dark; gh_refresh=r; gh_csrf=c\r\n"
                  "X-CSRF-Token: c\r\n"
                  "Connection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
                  "TE: trailers\r\nProxy-Authorization: Basic eDp5\r\n"
                  "X-Gatehouse-User-Id: someone-else\r\nx-gatehouse-tenant-id: other\r\n"
                  "X-Gatehouse-Identity: forged\r\nX-Gatehouse-Admin: 1\r\n"
                  "Forwarded: for=6.6.6.6\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
                  "X-Forwarded-Proto: https\r\nX-Request-Id: client-req-42\r\n"
                  "Content-Type: text/plain\r\nContent-Length: 2\r\nX-App: kept\r\n"
                  "\r\nhi");
  ASSERT_NE(r.find("200 OK"), std::string::npos) << r;
  const auto seen = upstream->last();
  for (const char* gone : {"authorization", "x-csrf-token", "connection", "x-hop", "keep-alive",
                           "te", "proxy-authorization", "x-gatehouse-admin"})
    EXPECT_TRUE(seen.header(gone).empty()) << gone << ": " << seen.header(gone);
  EXPECT_EQ(seen.header("cookie"), "theme=dark");
  EXPECT_EQ(seen.header("x-app"), "kept");
  EXPECT_EQ(seen.header("x-gatehouse-user-id"), subject(access));
  EXPECT_FALSE(seen.header("x-gatehouse-tenant-id").empty());
  EXPECT_NE(seen.header("x-gatehouse-tenant-id"), "other");
  EXPECT_NE(seen.header("x-gatehouse-identity"), "forged");
  EXPECT_EQ(std::count(seen.names.begin(), seen.names.end(), "x-gatehouse-user-id"), 1);
  EXPECT_EQ(std::count(seen.names.begin(), seen.names.end(), "x-gatehouse-tenant-id"), 1);
  EXPECT_EQ(seen.header("x-request-id"), "client-req-42");
  EXPECT_EQ(seen.header("forwarded"), "for=127.0.0.1;host=\"api.example.com\";proto=http");
  EXPECT_EQ(seen.header("x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(seen.header("x-forwarded-proto"), "http");
  EXPECT_EQ(seen.header("x-forwarded-host"), "api.example.com");
  EXPECT_EQ(seen.header("host"), "127.0.0.1:" + std::to_string(upstream->port()));
  EXPECT_NE(r.find("X-Request-Id: client-req-42"), std::string::npos);
}

TEST_F(ProxyTest, IdentityTokenVerifiesAgainstJwksAndIsNoAccessToken) {
  const auto access = token();
  ASSERT_EQ(http_call(port(), "GET", "/api/v1/generation/who", {},
                      {{"Authorization", "Bearer " + access}})
                .status,
            200);
  const auto identity = upstream->last().header("x-gatehouse-identity");
  ASSERT_FALSE(identity.empty());
  const auto jwks = http_call(port(), "GET", "/.well-known/jwks.json");
  ASSERT_EQ(jwks.status, 200);
  json::object header;
  auto claims = verify_with_jwks(identity, jwks.body, &header);
  ASSERT_TRUE(claims) << "the identity token does not verify against the JWK set";
  EXPECT_EQ(claims->at("iss").as_string(), "http://127.0.0.1:8080");
  EXPECT_EQ(claims->at("aud").as_string(), "gen");
  EXPECT_EQ(claims->at("sub").as_string(), subject(access));
  EXPECT_EQ(claims->at("exp").as_int64() - claims->at("iat").as_int64(), 60);
  EXPECT_EQ(header.at("typ").as_string(), "gatehouse-identity+jwt");
  // A tampered token does not verify.
  auto tampered = identity;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_with_jwks(tampered, jwks.body));
  // Never an access token: not for Gatehouse's own API, not for the proxy.
  EXPECT_EQ(
      http_call(port(), "GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + identity}})
          .status,
      401);
  const auto before = upstream->requests().size();
  EXPECT_EQ(http_call(port(), "GET", "/api/v1/generation/who", {},
                      {{"Authorization", "Bearer " + identity}})
                .status,
            401);
  EXPECT_EQ(upstream->requests().size(), before);
}

TEST_F(ProxyTest, AClientCannotSpeakForAnotherUser) {
  const auto mine = token();
  const auto other = subject(token());
  auto r = http_call(port(), "POST", "/api/v1/generation/create",
                     R"({"prompt":"hi","user_id":")" + other + R"("})",
                     {{"Authorization", "Bearer " + mine},
                      {"Content-Type", "application/json"},
                      {"X-Gatehouse-User-Id", other}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto seen = upstream->last();
  EXPECT_EQ(seen.header("x-gatehouse-user-id"), subject(mine));
  const auto body = json::parse(seen.body).as_object();
  EXPECT_EQ(body.at("user_id").as_string(), subject(mine));
  EXPECT_EQ(body.at("prompt").as_string(), "hi");
  // Without auth, a spoofed id reaches nobody as an identity.
  ASSERT_EQ(http_call(port(), "GET", "/api/v1/open/x", {}, {{"X-Gatehouse-User-Id", other}}).status,
            200);
  EXPECT_TRUE(upstream->last().header("x-gatehouse-user-id").empty());
  EXPECT_TRUE(upstream->last().header("x-gatehouse-identity").empty());
}

TEST_F(ProxyTest, OnlyJsonObjectBodiesGetTheUserId) {
  const headers auth{{"Authorization", "Bearer " + token()}, {"Content-Type", "application/json"}};
  ASSERT_EQ(http_call(port(), "POST", "/api/v1/generation/a", "[1,2]", auth).status, 200);
  EXPECT_EQ(upstream->last().body, "[1,2]");
  auto text = auth;
  text["Content-Type"] = "text/plain";
  ASSERT_EQ(http_call(port(), "POST", "/api/v1/generation/a", R"({"user_id":"x"})", text).status,
            200);
  EXPECT_EQ(upstream->last().body, R"({"user_id":"x"})");
  const auto before = upstream->requests().size();
  EXPECT_EQ(http_call(port(), "POST", "/api/v1/generation/a", R"({"user_id":)", auth).status, 400);
  EXPECT_EQ(upstream->requests().size(), before);
}

TEST_F(ProxyTest, RefusedBeforeReachingTheUpstream) {
  const auto before = upstream->requests().size();
  auto r = http_call(port(), "GET", "/api/v1/generation/x");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  EXPECT_NE(r.body.find("unauthorized"), std::string::npos);
  EXPECT_EQ(http_call(port(), "GET", "/api/v1/generation/x", {}, {{"Authorization", "Bearer nope"}})
                .status,
            401);
  const auto b = browser();
  // A cookie-authenticated unsafe request without its CSRF token, or from a foreign origin.
  EXPECT_EQ(http_call(port(), "POST", "/api/v1/generation/x", "{}",
                      {{"Cookie", b.jar()}, {"Content-Type", "application/json"}})
                .status,
            403);
  EXPECT_EQ(http_call(port(), "POST", "/api/v1/generation/x", "{}",
                      {{"Cookie", b.jar()},
                       {"X-CSRF-Token", b.csrf},
                       {"Origin", "https://evil.example"},
                       {"Content-Type", "application/json"}})
                .status,
            403);
  EXPECT_EQ(upstream->requests().size(), before);
}

TEST_F(ProxyTest, PerUserRate) {
  const auto a = token();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(http_call(port(), "GET", "/api/v1/limited/x", {}, {{"Authorization", "Bearer " + a}})
                  .status,
              200);
  auto r = http_call(port(), "GET", "/api/v1/limited/x", {}, {{"Authorization", "Bearer " + a}});
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.headers["retry-after"].empty());
  EXPECT_NE(r.body.find("rate-limited"), std::string::npos);
  // Another user has a window of their own.
  EXPECT_EQ(
      http_call(port(), "GET", "/api/v1/limited/x", {}, {{"Authorization", "Bearer " + token()}})
          .status,
      200);
}

TEST_F(ProxyTest, UnreachableIs502AndSlowIs504) {
  auto r = http_call(port(), "GET", "/api/v1/down/x", {}, {{"Authorization", "Bearer " + token()}});
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("upstream-unavailable"), std::string::npos);
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");
  const auto start = std::chrono::steady_clock::now();
  r = http_call(port(), "GET", "/api/v1/generation/slow?ms=6000", {},
                {{"Authorization", "Bearer " + token()}});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 504);
  EXPECT_NE(r.body.find("upstream-timeout"), std::string::npos);
  EXPECT_GE(took, std::chrono::milliseconds{2900});
  EXPECT_LT(took, std::chrono::milliseconds{5500});
}

TEST_F(ProxyTest, UpstreamConnectionsAreKeptAliveAndReused) {
  ASSERT_EQ(http_call(port(), "GET", "/api/v1/open/warm").status, 200);
  const auto before = upstream->connections();
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(http_call(port(), "GET", "/api/v1/open/n" + std::to_string(i)).status, 200);
  // One pool per io thread: at most one new connection for each besides the warm one.
  EXPECT_LE(upstream->connections() - before, 2U);
  const auto metrics = http_call(port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gatehouse_proxy_upstream_reuses_total{upstream=\"open\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("gatehouse_proxy_requests_total{upstream=\"open\",class=\"2xx\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("gatehouse_proxy_requests_total{upstream=\"down\",class=\"5xx\"}"),
            std::string::npos);
  EXPECT_NE(server->process().stderr_text().find(R"("upstream":"open")"), std::string::npos);
}

TEST_F(ProxyTest, SmugglingAttemptsAreRefusedBeforeForwarding) {
  const auto before = upstream->requests().size();
  for (const std::string framing :
       {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked, identity\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n"}) {
    const auto r =
        raw_exchange(port(), "POST /api/v1/open/first HTTP/1.1\r\nHost: x\r\n" + framing +
                                 "\r\n0\r\n\r\nGET /api/v1/open/smuggled HTTP/1.1\r\n"
                                 "Host: x\r\n\r\n");
    EXPECT_NE(r.find("HTTP/1.1 400"), std::string::npos) << framing << r;
    EXPECT_EQ(r.find("HTTP/1.1 200"), std::string::npos) << framing << r;
  }
  EXPECT_EQ(upstream->requests().size(), before);
  // Dot segments could leave the upstream's base path.
  EXPECT_EQ(http_call(port(), "GET", "/api/v1/open/a/../../admin").status, 400);
  EXPECT_EQ(http_call(port(), "GET", "/api/v1/open/%2e%2E/admin").status, 400);
  EXPECT_EQ(upstream->requests().size(), before);
}

TEST_F(ProxyTest, ChunkedRequestBodiesStreamThrough) {
  const auto r = raw_exchange(port(), "POST /api/v1/open/upload HTTP/1.1\r\nHost: x\r\n"
                                      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  EXPECT_EQ(upstream->last().body, "hello world");
}

} // namespace
} // namespace gh::test
