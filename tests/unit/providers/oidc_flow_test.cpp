#include "crypto/crypto.hpp"
#include "oidc_test_keys.hpp"
#include "providers/oidc/flow.hpp"
#include "providers/oidc/provider_keys.hpp"
#include "tests/support/loopback_listener.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace gh::oidc {
namespace {

using testing::jwks_of;
using testing::sign_token;
using testing::test_key;

TEST(OidcPkce, VerifierAndChallenge) {
  const auto verifier = make_code_verifier();
  EXPECT_EQ(verifier.size(), 43U);
  EXPECT_NE(verifier, make_code_verifier());
  // RFC 7636 Appendix B.
  EXPECT_EQ(s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(OidcFlow, FormEncoding) {
  EXPECT_EQ(form_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(form_encode("a b+c&d=e/f?g#h%"), "a+b%2Bc%26d%3De%2Ff%3Fg%23h%25");
  EXPECT_EQ(form_encode("Zoë:"), "Zo%C3%AB%3A");
  EXPECT_EQ(form_encode(""), "");
}

TEST(OidcFlow, AuthorizationUrlCarriesEveryParameter) {
  authorization_request req;
  req.authorization_endpoint = "https://id.example.com/oauth2/authorize?tenant=a%20b#frag";
  req.client_id = "client 1&x";
  req.redirect_uri = "https://app.example.com/api/v1/auth/oidc/main/callback?x=1";
  req.state = "st+te";
  req.nonce = "no/nce";
  req.code_challenge = s256_challenge("verifier");
  const auto built = authorization_url(req);
  const auto url = boost::urls::parse_absolute_uri(built);
  ASSERT_TRUE(url) << built;
  EXPECT_EQ(url->host(), "id.example.com");
  EXPECT_EQ(url->path(), "/oauth2/authorize");
  EXPECT_FALSE(url->has_fragment());
  std::map<std::string, std::string> params;
  for (const auto& p : url->params())
    params[p.key] = p.value;
  EXPECT_EQ(params["tenant"], "a b");
  EXPECT_EQ(params["response_type"], "code");
  EXPECT_EQ(params["client_id"], "client 1&x");
  EXPECT_EQ(params["redirect_uri"], req.redirect_uri);
  EXPECT_EQ(params["scope"], "openid email profile");
  EXPECT_EQ(params["state"], "st+te");
  EXPECT_EQ(params["nonce"], "no/nce");
  EXPECT_EQ(params["code_challenge"], req.code_challenge);
  EXPECT_EQ(params["code_challenge_method"], "S256");
  EXPECT_NE(built.find("scope=openid+email+profile"), std::string::npos);
  EXPECT_NE(built.find("state=st%2Bte"), std::string::npos);
  req.authorization_endpoint = "not a url";
  EXPECT_EQ(authorization_url(req), "");
}

TEST(OidcFlow, TokenRequestAndBasicAuthorization) {
  EXPECT_EQ(token_request_body("c/1+2", "https://app.example.com/cb", "v-1"),
            "grant_type=authorization_code&code=c%2F1%2B2&redirect_uri=https%3A%2F%2Fapp."
            "example.com%2Fcb&code_verifier=v-1");
  // RFC 6749 2.3.1: each part form-encoded before base64.
  EXPECT_EQ(basic_authorization("s6BhdRkqt3", "gX1fBat3bV"),
            "Basic " + crypto::base64_encode("s6BhdRkqt3:gX1fBat3bV"));
  EXPECT_EQ(basic_authorization("id:1", "s e/c+"),
            "Basic " + crypto::base64_encode("id%3A1:s+e%2Fc%2B"));
}

TEST(OidcFlow, DecodesTokenAnswers) {
  auto ok = decode_token_response(
      200, R"({"id_token":"a.b.c","access_token":"at","token_type":"bearer","expires_in":3600,
               "refresh_token":"rt"})");
  ASSERT_TRUE(std::holds_alternative<token_response>(ok));
  EXPECT_EQ(std::get<token_response>(ok).id_token, "a.b.c");
  EXPECT_EQ(std::get<token_response>(ok).access_token, "at");
  EXPECT_EQ(std::get<token_response>(ok).refresh_token, "rt");
  EXPECT_EQ(std::get<token_response>(ok).expires_in, 3600);

  auto refused =
      decode_token_response(400, R"({"error":"invalid_grant","error_description":"code expired"})");
  ASSERT_TRUE(std::holds_alternative<token_error>(refused));
  EXPECT_EQ(std::get<token_error>(refused).error, "invalid_grant");
  EXPECT_EQ(std::get<token_error>(refused).description, "code expired");
  EXPECT_EQ(std::get<token_error>(refused).status, 400);

  for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
           {200, ""},
           {200, "{"},
           {200, "[]"},
           {200, R"({"access_token":"at","token_type":"Bearer"})"},
           {200, R"({"id_token":"a.b.c","access_token":"at","token_type":"mac"})"},
           {200, R"({"id_token":1,"access_token":"at","token_type":"Bearer"})"},
           {502, "<html>bad gateway</html>"},
           {200, std::string(70000, ' ')}}) {
    auto result = decode_token_response(status, body);
    ASSERT_TRUE(std::holds_alternative<token_error>(result)) << body.substr(0, 80);
    EXPECT_EQ(std::get<token_error>(result).error, "invalid_response");
  }
}

/// A provider on loopback serving discovery, JWKS and a token endpoint, counting requests.
class fake_provider {
public:
  fake_provider() : socket_(gh::test::listen_on_loopback(16, "fake OIDC provider")) {
    thread_ = std::thread{
        [this] { gh::test::accept_until(socket_.fd, stop_, [this](int fd) { serve(fd); }); }};
  }
  ~fake_provider() {
    stop_ = true;
    thread_.join();
    ::close(socket_.fd);
  }

  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(socket_.port); }

  void set(const std::string& path, int status, std::string body) {
    std::lock_guard guard{mutex_};
    routes_[path] = {status, std::move(body)};
  }
  int hits(const std::string& path) const {
    std::lock_guard guard{mutex_};
    auto it = hits_.find(path);
    return it == hits_.end() ? 0 : it->second;
  }
  std::string last_request() const {
    std::lock_guard guard{mutex_};
    return last_;
  }
  /// How long the provider waits before each answer.
  void set_delay(std::chrono::milliseconds delay) {
    std::lock_guard guard{mutex_};
    delay_ = delay;
  }

private:
  void serve(int fd) {
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      in.append(buf, static_cast<size_t>(n));
    }
    // The body of a POST, by Content-Length.
    const auto head_end = in.find("\r\n\r\n");
    const auto cl = in.find("Content-Length: ");
    if (head_end != std::string::npos && cl != std::string::npos && cl < head_end) {
      const auto want = head_end + 4 + std::stoul(in.substr(cl + 16));
      while (in.size() < want) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
      }
    }
    const auto sp = in.find(' ');
    const auto path =
        sp == std::string::npos ? "" : in.substr(sp + 1, in.find(' ', sp + 1) - sp - 1);
    std::pair<int, std::string> answer{404, "{}"};
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard guard{mutex_};
      ++hits_[path];
      last_ = in;
      if (auto it = routes_.find(path); it != routes_.end())
        answer = it->second;
      delay = delay_;
    }
    std::this_thread::sleep_for(delay);
    const auto out =
        "HTTP/1.1 " + std::to_string(answer.first) +
        " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(answer.second.size()) + "\r\n\r\n" + answer.second;
    (void)::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    ::close(fd);
  }

  gh::test::loopback_socket socket_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<int, std::string>> routes_;
  std::map<std::string, int> hits_;
  std::string last_;
  std::chrono::milliseconds delay_{0};
  std::thread thread_;
};

constexpr const char* flow_client = "gatehouse";

class OidcProviderKeysTest : public ::testing::Test {
protected:
  OidcProviderKeysTest() {
    const auto base = peer_.issuer();
    boost::json::object doc{{"issuer", base},
                            {"authorization_endpoint", base + "/authorize"},
                            {"token_endpoint", base + "/token"},
                            {"jwks_uri", base + "/jwks"}};
    peer_.set("/.well-known/openid-configuration", 200, boost::json::serialize(doc));
    peer_.set("/jwks", 200, jwks_of({first_.jwk("k1")}));
  }

  provider_options options() const {
    provider_options o;
    o.issuer = peer_.issuer();
    o.client_id = flow_client;
    o.client_secret = "s3cret:x";
    o.timeout = std::chrono::milliseconds{2000};
    return o;
  }

  std::string token(const test_key& key, const std::string& kid) const {
    return sign_token(key, "EdDSA", {{"alg", "EdDSA"}, {"kid", kid}},
                      {{"iss", peer_.issuer()},
                       {"sub", "u1"},
                       {"aud", flow_client},
                       {"exp", 2'000'000'000},
                       {"iat", 1'700'000'000}});
  }

  std::chrono::steady_clock::time_point clock() const { return now_; }

  fake_provider peer_;
  test_key first_ = test_key::ed25519();
  test_key second_ = test_key::ed25519();
  std::chrono::steady_clock::time_point now_{std::chrono::hours{1000}};
};

TEST_F(OidcProviderKeysTest, FetchesOnceAndVerifies) {
  provider_keys keys{options(), [this] { return clock(); }};
  for (int i = 0; i < 3; ++i) {
    auto result = keys.verify(token(first_, "k1"));
    ASSERT_TRUE(std::holds_alternative<verified_jws>(result))
        << std::get<keys_error>(result).reason;
  }
  EXPECT_EQ(peer_.hits("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(peer_.hits("/jwks"), 1);
  EXPECT_EQ(keys.jwks_fetches(), 1U);
  auto meta = keys.metadata();
  ASSERT_TRUE(std::holds_alternative<provider_metadata>(meta));
  EXPECT_EQ(std::get<provider_metadata>(meta).token_endpoint, peer_.issuer() + "/token");
}

TEST_F(OidcProviderKeysTest, UnknownKidRefetchesAtMostOncePerMinute) {
  provider_keys keys{options(), [this] { return clock(); }};
  ASSERT_TRUE(std::holds_alternative<verified_jws>(keys.verify(token(first_, "k1"))));
  // The provider rotates soon after the first fetch: the new kid's first token refetches.
  peer_.set("/jwks", 200, jwks_of({first_.jwk("k1"), second_.jwk("k2")}));
  now_ += std::chrono::seconds{10};
  auto rotated = keys.verify(token(second_, "k2"));
  ASSERT_TRUE(std::holds_alternative<verified_jws>(rotated))
      << std::get<keys_error>(rotated).reason;
  EXPECT_EQ(peer_.hits("/jwks"), 2);
  // A kid nobody knows, within the minute after that refetch: refused without a fetch.
  now_ += std::chrono::seconds{30};
  auto early = keys.verify(token(second_, "k9"));
  ASSERT_TRUE(std::holds_alternative<keys_error>(early));
  EXPECT_EQ(std::get<keys_error>(early).failure, jws_failure::unknown_kid);
  EXPECT_FALSE(std::get<keys_error>(early).unavailable);
  EXPECT_EQ(peer_.hits("/jwks"), 2);
  // A minute on, the next unknown kid may refetch again (and is still refused).
  now_ += std::chrono::seconds{40};
  auto later = keys.verify(token(second_, "k9"));
  EXPECT_EQ(std::get<keys_error>(later).failure, jws_failure::unknown_kid);
  EXPECT_EQ(peer_.hits("/jwks"), 3);
  auto again = keys.verify(token(second_, "k9"));
  EXPECT_EQ(std::get<keys_error>(again).failure, jws_failure::unknown_kid);
  EXPECT_EQ(peer_.hits("/jwks"), 3);
  EXPECT_EQ(peer_.hits("/.well-known/openid-configuration"), 1);
  // A forged token with a known kid never causes a fetch.
  now_ += std::chrono::minutes{5};
  auto forged = keys.verify(token(second_, "k1"));
  EXPECT_EQ(std::get<keys_error>(forged).failure, jws_failure::bad_signature);
  EXPECT_EQ(peer_.hits("/jwks"), 3);
}

TEST_F(OidcProviderKeysTest, ProviderDownIsUnavailable) {
  auto o = options();
  {
    // A port that nothing listens on any more.
    auto closed = gh::test::listen_on_loopback(1, "closed port");
    ::close(closed.fd);
    o.issuer = "http://127.0.0.1:" + std::to_string(closed.port);
  }
  provider_keys keys{o, [this] { return clock(); }};
  auto result = keys.verify(token(first_, "k1"));
  ASSERT_TRUE(std::holds_alternative<keys_error>(result));
  EXPECT_TRUE(std::get<keys_error>(result).unavailable);
  EXPECT_EQ(keys.discovery_fetches(), 1U);
  // Within the retry interval nothing is tried again.
  EXPECT_TRUE(std::get<keys_error>(keys.verify(token(first_, "k1"))).unavailable);
  EXPECT_EQ(keys.discovery_fetches(), 1U);
  auto exchanged = keys.exchange_code("code", "http://127.0.0.1/cb", "verifier");
  ASSERT_TRUE(std::holds_alternative<token_error>(exchanged));
  EXPECT_EQ(std::get<token_error>(exchanged).error, "unavailable");
  now_ += std::chrono::seconds{6};
  EXPECT_TRUE(std::get<keys_error>(keys.verify(token(first_, "k1"))).unavailable);
  EXPECT_EQ(keys.discovery_fetches(), 2U);
}

TEST_F(OidcProviderKeysTest, BadDocumentsAreUnavailable) {
  peer_.set("/jwks", 500, "oops");
  provider_keys keys{options(), [this] { return clock(); }};
  auto result = keys.verify(token(first_, "k1"));
  ASSERT_TRUE(std::holds_alternative<keys_error>(result));
  EXPECT_TRUE(std::get<keys_error>(result).unavailable);
  // It recovers once the provider does.
  peer_.set("/jwks", 200, jwks_of({first_.jwk("k1")}));
  now_ += std::chrono::seconds{6};
  EXPECT_TRUE(std::holds_alternative<verified_jws>(keys.verify(token(first_, "k1"))));

  auto o = options();
  o.issuer += "/other"; // discovery's issuer will not match
  peer_.set("/other/.well-known/openid-configuration", 200,
            R"({"issuer":"https://elsewhere.example","authorization_endpoint":"https://a/",
                "token_endpoint":"https://a/","jwks_uri":"https://a/"})");
  provider_keys mismatched{o, [this] { return clock(); }};
  auto meta = mismatched.metadata();
  ASSERT_TRUE(std::holds_alternative<keys_error>(meta));
  EXPECT_EQ(std::get<keys_error>(meta).reason,
            "discovery issuer does not match the configured issuer");
}

TEST_F(OidcProviderKeysTest, ConcurrentFirstUseFetchesOnce) {
  provider_keys keys{options()};
  std::atomic<int> verified{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&] {
      if (std::holds_alternative<verified_jws>(keys.verify(token(first_, "k1"))))
        ++verified;
    });
  for (auto& t : callers)
    t.join();
  EXPECT_EQ(verified.load(), 8);
  EXPECT_EQ(peer_.hits("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(peer_.hits("/jwks"), 1);
}

TEST_F(OidcProviderKeysTest, ProviderThatHangsTimesOut) {
  auto o = options();
  o.timeout = std::chrono::milliseconds{200};
  peer_.set_delay(std::chrono::milliseconds{800});
  provider_keys keys{o, [this] { return clock(); }};
  const auto start = std::chrono::steady_clock::now();
  auto result = keys.verify(token(first_, "k1"));
  ASSERT_TRUE(std::holds_alternative<keys_error>(result));
  EXPECT_TRUE(std::get<keys_error>(result).unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds{700});
}

TEST_F(OidcProviderKeysTest, ExchangesCodeWithBasicAuthentication) {
  peer_.set("/token", 200,
            R"({"id_token":"h.p.s","access_token":"at","token_type":"Bearer","expires_in":300})");
  provider_keys keys{options(), [this] { return clock(); }};
  auto result = keys.exchange_code("the code", "http://127.0.0.1/cb", "ver-ifier");
  ASSERT_TRUE(std::holds_alternative<token_response>(result))
      << std::get<token_error>(result).error;
  EXPECT_EQ(std::get<token_response>(result).id_token, "h.p.s");
  const auto request = peer_.last_request();
  EXPECT_EQ(request.rfind("POST /token HTTP/1.1\r\n", 0), 0U) << request;
  EXPECT_NE(request.find("Authorization: " + basic_authorization(flow_client, "s3cret:x")),
            std::string::npos);
  EXPECT_NE(request.find("Content-Type: application/x-www-form-urlencoded"), std::string::npos);
  EXPECT_NE(
      request.find("\r\n\r\n" + token_request_body("the code", "http://127.0.0.1/cb", "ver-ifier")),
      std::string::npos);

  peer_.set("/token", 400, R"({"error":"invalid_grant"})");
  auto refused = keys.exchange_code("old", "http://127.0.0.1/cb", "v");
  ASSERT_TRUE(std::holds_alternative<token_error>(refused));
  EXPECT_EQ(std::get<token_error>(refused).error, "invalid_grant");
}

} // namespace
} // namespace gh::oidc
