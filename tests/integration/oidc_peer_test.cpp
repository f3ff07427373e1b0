// The federation tests' OpenID providers (tests/support/oidc_peer.hpp) on their own, without
// Gatehouse: proof that they speak the real protocol the relying party will meet. Discovery and
// JWKS of all three issuers; the authorization code flow with PKCE S256, state and nonce through
// the dev login and consent forms; the token request with client_secret_basic; the refusals a
// relying party must survive (replayed code, wrong verifier, wrong secret, no PKCE, unknown
// redirect URI); and the Cognito-shaped issuer's minted tokens, forgeries and key rotation.
#include "tests/support/oidc_browser.hpp"
#include "tests/support/oidc_peer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <memory>
#include <set>
#include <string>

namespace gh::test {
namespace {

namespace json = boost::json;

constexpr const char* registered_redirect = "http://127.0.0.1/callback";
// Nothing listens there: the browser stops at the redirect and never follows it.
constexpr const char* redirect_on_a_port = "http://127.0.0.1:5555/callback";

std::string str(const json::value& v) {
  return std::string{v.as_string()};
}

std::string b64url_decode(std::string_view text) {
  std::string s{text};
  for (auto& c : s)
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  const auto pad = (4 - s.size() % 4) % 4;
  s.append(pad, '=');
  std::string out(s.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n) - pad);
  return out;
}

/// True when `token`'s RS256 signature verifies with the SPKI PEM `pem`.
bool rs256_verifies(const std::string& token, const std::string& pem) {
  const auto last = token.rfind('.');
  const auto input = token.substr(0, last);
  const auto signature = b64url_decode(token.substr(last + 1));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  if (!key || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

std::string hs256(const std::string& key, const std::string& input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return {reinterpret_cast<const char*>(mac), len};
}

json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

std::set<std::string> jwks_kids(const oidc_peer& peer, oidc_issuer which) {
  const auto jwks_uri = str(peer.discovery(which).at("jwks_uri"));
  const auto reply = peer.get(which, jwks_uri.substr(jwks_uri.find('/', 7)));
  std::set<std::string> kids;
  const auto jwks = parse_object(reply.body);
  const auto* keys = jwks.if_contains("keys");
  if (keys == nullptr || !keys->is_array())
    return kids;
  for (const auto& k : keys->as_array())
    kids.insert(str(k.as_object().at("kid")));
  return kids;
}

class OidcPeerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    oidc_peer_options options;
    options.redirect_uris = {registered_redirect};
    peer_ = std::make_unique<oidc_peer>(options);
  }
  static void TearDownTestSuite() { peer_.reset(); }
  void SetUp() override { ASSERT_TRUE(peer_->ready()) << peer_->log(); }

  static inline std::unique_ptr<oidc_peer> peer_;
};

TEST_F(OidcPeerTest, DiscoveryAndJwksAreServedForAllThreeIssuers) {
  for (auto which : {oidc_issuer::a, oidc_issuer::b, oidc_issuer::cognito}) {
    const auto& info = peer_->info(which);
    SCOPED_TRACE(info.issuer);
    auto doc = peer_->discovery(which);
    ASSERT_FALSE(doc.empty());
    EXPECT_EQ(str(doc.at("issuer")), info.issuer);
    EXPECT_EQ(str(doc.at("jwks_uri")).rfind(info.issuer + "/", 0), 0U);
    EXPECT_EQ(jwks_kids(*peer_, which).size(), 1U);
  }
  // The two oidc-provider instances: code flow, S256 only, client_secret_basic, and the
  // algorithms they sign with.
  for (auto [which, alg] :
       {std::pair{oidc_issuer::a, "RS256"}, std::pair{oidc_issuer::b, "ES256"}}) {
    auto doc = peer_->discovery(which);
    EXPECT_EQ(json::serialize(doc.at("code_challenge_methods_supported")), R"(["S256"])");
    bool basic = false;
    for (const auto& m : doc.at("token_endpoint_auth_methods_supported").as_array())
      basic = basic || m.as_string() == "client_secret_basic";
    EXPECT_TRUE(basic);
    bool signs = false;
    for (const auto& m : doc.at("id_token_signing_alg_values_supported").as_array())
      signs = signs || m.as_string() == alg;
    EXPECT_TRUE(signs) << alg;
  }
  EXPECT_NE(peer_->a().issuer, peer_->b().issuer);
  EXPECT_NE(peer_->a().client_id, peer_->b().client_id);
  EXPECT_GT(peer_->requests_to(oidc_issuer::a, "/.well-known/openid-configuration"), 0);
}

TEST_F(OidcPeerTest, CodeFlowWithPkceYieldsAnIdTokenWithTheNonceAndTheCodeIsSingleUse) {
  for (auto [which, alg] :
       {std::pair{oidc_issuer::a, "RS256"}, std::pair{oidc_issuer::b, "ES256"}}) {
    const auto& info = peer_->info(which);
    SCOPED_TRACE(info.issuer);
    const auto request = peer_->authorization(which, redirect_on_a_port);
    oidc_browser browser;
    const auto landed = browser.authorize(request.url, redirect_on_a_port, "alice");
    ASSERT_TRUE(landed) << ::testing::PrintToString(browser.trace());
    EXPECT_EQ(query_param(*landed, "state"), request.state);
    EXPECT_EQ(query_param(*landed, "iss"), info.issuer); // RFC 9207
    const auto code = query_param(*landed, "code");
    ASSERT_TRUE(code && !code->empty()) << *landed;

    const auto reply = peer_->redeem(which, *code, request.code_verifier, redirect_on_a_port);
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto tokens = parse_object(reply.body);
    const auto id_token = str(tokens.at("id_token"));
    EXPECT_EQ(str(jwt_header(id_token).at("alg")), alg);
    auto claims = jwt_payload(id_token);
    EXPECT_EQ(str(claims.at("nonce")), request.nonce);
    EXPECT_EQ(str(claims.at("iss")), info.issuer);
    EXPECT_EQ(str(claims.at("aud")), info.client_id);
    EXPECT_EQ(str(claims.at("sub")), "alice");
    EXPECT_EQ(str(claims.at("email")), "alice@example.test");
    EXPECT_TRUE(claims.at("email_verified").as_bool());
    EXPECT_EQ(str(claims.at("name")), "alice");
    EXPECT_GT(claims.at("exp").to_number<std::int64_t>(),
              claims.at("iat").to_number<std::int64_t>());

    // The access token is an RFC 9068 JWT for the client.
    const auto access = str(tokens.at("access_token"));
    EXPECT_EQ(str(jwt_header(access).at("typ")), "at+jwt");
    EXPECT_EQ(str(jwt_header(access).at("alg")), alg);
    auto at = jwt_payload(access);
    EXPECT_EQ(str(at.at("aud")), info.client_id);
    EXPECT_EQ(str(at.at("client_id")), info.client_id);
    EXPECT_EQ(str(at.at("iss")), info.issuer);
    EXPECT_EQ(str(at.at("sub")), "alice");

    // A replayed code is refused.
    const auto again = peer_->redeem(which, *code, request.code_verifier, redirect_on_a_port);
    EXPECT_EQ(again.status, 400);
    EXPECT_EQ(str(parse_object(again.body).at("error")), "invalid_grant");
  }
}

TEST_F(OidcPeerTest, ASecondAuthorizationInTheSameBrowserKeepsTheSession) {
  oidc_browser browser;
  const auto first = peer_->authorization(oidc_issuer::a, registered_redirect);
  ASSERT_TRUE(browser.authorize(first.url, registered_redirect, "dora"));
  EXPECT_TRUE(browser.cookie(peer_->a().issuer + "/", "_session"));
  const auto second = peer_->authorization(oidc_issuer::a, registered_redirect);
  const auto landed = browser.authorize(second.url, registered_redirect, "someone-else");
  ASSERT_TRUE(landed);
  // No login form this time, only the consent oidc-provider asks of native clients every time.
  int posts = 0;
  for (const auto& step : browser.trace())
    posts += step.rfind("POST ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(posts, 1) << ::testing::PrintToString(browser.trace());
  const auto code = query_param(*landed, "code");
  ASSERT_TRUE(code);
  const auto reply =
      peer_->redeem(oidc_issuer::a, *code, second.code_verifier, registered_redirect);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(str(jwt_payload(str(parse_object(reply.body).at("id_token"))).at("sub")), "dora");
}

TEST_F(OidcPeerTest, TheProviderRefusesWhatARelyingPartyGetsWrong) {
  // A wrong verifier.
  auto request = peer_->authorization(oidc_issuer::b, registered_redirect);
  oidc_browser browser;
  auto landed = browser.authorize(request.url, registered_redirect);
  ASSERT_TRUE(landed);
  auto reply = peer_->redeem(oidc_issuer::b, *query_param(*landed, "code"),
                             request.code_verifier + "x", registered_redirect);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(str(parse_object(reply.body).at("error")), "invalid_grant");

  // A wrong client secret (client_secret_basic).
  request = peer_->authorization(oidc_issuer::b, registered_redirect);
  landed = browser.authorize(request.url, registered_redirect);
  ASSERT_TRUE(landed);
  reply = http_call(peer_->b().port, "POST", "/token",
                    form_encode({{"grant_type", "authorization_code"},
                                 {"code", *query_param(*landed, "code")},
                                 {"code_verifier", request.code_verifier},
                                 {"redirect_uri", registered_redirect}}),
                    {{"content-type", "application/x-www-form-urlencoded"},
                     {"authorization", "Basic Z2F0ZWhvdXNlLWI6d3Jvbmc="}}); // gatehouse-b:wrong
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(str(parse_object(reply.body).at("error")), "invalid_client");

  // No PKCE: the error comes back to the redirect URI.
  request = peer_->authorization(oidc_issuer::a, registered_redirect);
  auto without_pkce = request.url.substr(0, request.url.find("&code_challenge="));
  landed = browser.authorize(without_pkce, registered_redirect);
  ASSERT_TRUE(landed);
  EXPECT_EQ(query_param(*landed, "error"), "invalid_request");
  EXPECT_FALSE(query_param(*landed, "code"));

  // A redirect URI that is not registered is never redirected to.
  request = peer_->authorization(oidc_issuer::a, "http://127.0.0.1:5555/elsewhere");
  EXPECT_FALSE(browser.authorize(request.url, "http://127.0.0.1:5555/"));
}

TEST_F(OidcPeerTest, AccountsFollowTheLoginName) {
  auto tokens = peer_->sign_in(oidc_issuer::b, "bob-unverified");
  auto claims = jwt_payload(str(tokens.at("id_token")));
  EXPECT_EQ(str(claims.at("email")), "bob-unverified@example.test");
  EXPECT_FALSE(claims.at("email_verified").as_bool());

  tokens = peer_->sign_in(oidc_issuer::a, "carol@corp.test");
  claims = jwt_payload(str(tokens.at("id_token")));
  EXPECT_EQ(str(claims.at("sub")), "carol@corp.test");
  EXPECT_EQ(str(claims.at("email")), "carol@corp.test");
  EXPECT_TRUE(claims.at("email_verified").as_bool());
  EXPECT_EQ(str(claims.at("name")), "carol");
}

TEST_F(OidcPeerTest, MintMakesCognitoShapedTokensAndEveryForgery) {
  const auto key = parse_object(peer_->get(oidc_issuer::cognito, "/peer/key").body);
  const auto pem = str(key.at("pem"));
  const auto kid = str(key.at("kid"));

  const auto access = peer_->mint(peer_->cognito_access_claims("u-1"));
  EXPECT_TRUE(rs256_verifies(access, pem));
  EXPECT_EQ(str(jwt_header(access).at("kid")), kid);
  EXPECT_EQ(str(jwt_header(access).at("alg")), "RS256");
  EXPECT_TRUE(jwks_kids(*peer_, oidc_issuer::cognito).count(kid));
  auto claims = jwt_payload(access);
  EXPECT_EQ(str(claims.at("token_use")), "access");
  EXPECT_EQ(str(claims.at("client_id")), peer_->cognito().client_id);
  EXPECT_EQ(str(claims.at("iss")), peer_->cognito().issuer);
  EXPECT_FALSE(claims.contains("aud"));
  EXPECT_GT(claims.at("exp").to_number<std::int64_t>(), claims.at("iat").to_number<std::int64_t>());

  const auto id = peer_->mint(peer_->cognito_id_claims("u-1"));
  EXPECT_EQ(str(jwt_payload(id).at("token_use")), "id");
  EXPECT_EQ(str(jwt_payload(id).at("aud")), peer_->cognito().client_id);

  // Claims and header members are set or removed as asked.
  const auto expired = peer_->mint({{"sub", "u-1"}, {"exp", 1000}, {"iat", nullptr}}, "rs256",
                                   {{"kid", "no-such-kid"}});
  EXPECT_EQ(jwt_payload(expired).at("exp").to_number<int>(), 1000);
  EXPECT_FALSE(jwt_payload(expired).contains("iat"));
  EXPECT_EQ(str(jwt_header(expired).at("kid")), "no-such-kid");

  const auto other = peer_->mint({{"sub", "u-1"}}, "other-key");
  EXPECT_EQ(str(jwt_header(other).at("kid")), kid);
  EXPECT_FALSE(rs256_verifies(other, pem));

  const auto none = peer_->mint({{"sub", "u-1"}}, "none");
  EXPECT_EQ(str(jwt_header(none).at("alg")), "none");
  EXPECT_EQ(none.back(), '.');

  const auto confused = peer_->mint({{"sub", "u-1"}}, "hs256-with-public-key");
  EXPECT_EQ(str(jwt_header(confused).at("alg")), "HS256");
  const auto dot = confused.rfind('.');
  EXPECT_EQ(b64url_decode(confused.substr(dot + 1)), hs256(pem, confused.substr(0, dot)));

  // Malformed requests to the test-only endpoint are refused, not crashed on.
  EXPECT_EQ(http_call(peer_->cognito().port, "POST", "/mint", "{bad").status, 400);
  EXPECT_EQ(http_call(peer_->cognito().port, "POST", "/mint", R"({"sign":"rot13"})").status, 400);
}

TEST_F(OidcPeerTest, RotateSignsWithANewKidAndTheJwksFollows) {
  const auto before = jwks_kids(*peer_, oidc_issuer::cognito);
  ASSERT_EQ(before.size(), 1U);
  const auto fetches =
      peer_->requests_to(oidc_issuer::cognito, "/local_gatehouse/.well-known/jwks.json");
  EXPECT_GT(fetches, 0);

  const auto kid = peer_->rotate();
  ASSERT_FALSE(kid.empty());
  EXPECT_FALSE(before.count(kid));
  EXPECT_EQ(str(jwt_header(peer_->mint({{"sub", "u-2"}})).at("kid")), kid);
  auto after = jwks_kids(*peer_, oidc_issuer::cognito);
  EXPECT_EQ(after.size(), 2U);
  EXPECT_TRUE(after.count(kid) && after.count(*before.begin()));

  const auto newest = peer_->rotate(false);
  EXPECT_EQ(jwks_kids(*peer_, oidc_issuer::cognito), std::set<std::string>{newest});
  EXPECT_EQ(peer_->requests_to(oidc_issuer::cognito, "/local_gatehouse/.well-known/jwks.json"),
            fetches + 2);
}

// The browser parses whatever a provider (or Gatehouse) answers: forms, queries and cookies.
TEST(OidcBrowserParsing, FormsQueriesAndCookiesSurviveMalformedInput) {
  auto form = first_form(R"(<p>x</p><FORM Method="POST" action='/a?x=1&amp;y=&#x2F;z'>
    <input type=hidden name="prompt" value="lo&quot;gin"><input name="empty"><input value="no-name">
    </form><form action="/second"><input name="late" value="1"></form>)");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->action, "/a?x=1&y=/z");
  EXPECT_EQ(form->method, "post");
  ASSERT_EQ(form->fields.size(), 2U);
  EXPECT_EQ(form->fields[0], (std::pair<std::string, std::string>{"prompt", "lo\"gin"}));
  EXPECT_EQ(form->fields[1], (std::pair<std::string, std::string>{"empty", ""}));
  for (const char* bad :
       {"", "<form", "<form action=\"/x", "<form><input name=\"a", "<input name=a>",
        "<form action=/x><input name='a' value='&#xFFFFFFFF;&#;&bogus;&'>"}) {
    SCOPED_TRACE(bad);
    auto parsed = first_form(bad);
    if (parsed) {
      EXPECT_LE(parsed->fields.size(), 1U);
    }
  }
  EXPECT_EQ(
      first_form("<form action=/x><input name='a' value='&#xFFFFFFFF;'></form>")->fields[0].second,
      "&#xFFFFFFFF;");

  EXPECT_EQ(query_param("http://h/cb?code=a%2Bb+c&state=s#frag", "code"), "a+b c");
  EXPECT_EQ(query_param("http://h/cb?code=a%2Bb+c&state=s#frag", "state"), "s");
  EXPECT_EQ(query_param("http://h/cb?flag&x=%zz%4", "flag"), "");
  EXPECT_EQ(query_param("http://h/cb?flag&x=%zz%4", "x"), "%zz%4");
  EXPECT_FALSE(query_param("http://h/cb", "code"));
  EXPECT_FALSE(query_param("http://h/cb?&&=", "code"));
  EXPECT_EQ(form_encode({{"a b", "c&d=\xC3\xA9"}}), "a+b=c%26d%3D%C3%A9");

  // Only plain http URLs are followed; an empty jar sends no cookie.
  oidc_browser browser;
  EXPECT_THROW(browser.request("GET", "https://127.0.0.1:1/"), std::invalid_argument);
  EXPECT_TRUE(browser.cookie_header("http://127.0.0.1:1/").empty());
}

} // namespace
} // namespace gh::test
