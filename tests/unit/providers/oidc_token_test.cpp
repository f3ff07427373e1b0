#include "crypto/crypto.hpp"
#include "oidc_test_keys.hpp"
#include "providers/oidc/token_verifier.hpp"

#include <gtest/gtest.h>

namespace gh::oidc {
namespace {

using testing::jwks_of;
using testing::sign_token;
using testing::test_key;

constexpr int64_t token_now = 1'800'000'000;
constexpr const char* token_issuer = "https://id.example.com";
constexpr const char* token_client = "gatehouse-client";

class OidcTokenTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    rsa_ = new test_key(test_key::rsa());
    p256_ = new test_key(test_key::p256());
    ed_ = new test_key(test_key::ed25519());
    other_ = new test_key(test_key::rsa());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete p256_;
    delete ed_;
    delete other_;
  }

  jwk_set keys() const {
    auto decoded = decode_jwks(
        jwks_of({rsa_->jwk("rsa"), p256_->jwk("ec", "ES256"), ed_->jwk("ed", "EdDSA")}));
    return std::get<jwk_set>(decoded);
  }

  static boost::json::object id_claims() {
    return {{"iss", token_issuer},           {"sub", "user-42"},       {"aud", token_client},
            {"exp", token_now + 300},        {"iat", token_now - 10},  {"nonce", "n-0S6_WzA2Mj"},
            {"email", "ada@example.com"},    {"email_verified", true}, {"name", "Ada Lovelace"},
            {"phone_number", "+15555550100"}};
  }

  static token_expectations expect(std::optional<std::string> nonce = "n-0S6_WzA2Mj") {
    return token_expectations{token_issuer, token_client, token_now, std::chrono::seconds{60},
                              std::move(nonce)};
  }

  std::variant<verified_jws, jws_error> verify(const std::string& token) const {
    return verify_jws(token, keys());
  }

  jws_failure failure_of(const std::string& token) const {
    auto result = verify(token);
    EXPECT_TRUE(std::holds_alternative<jws_error>(result)) << token;
    auto* e = std::get_if<jws_error>(&result);
    return e != nullptr ? e->failure : jws_failure::malformed;
  }

  /// The claim check's verdict on an RS256 token with `claims` and header `extra`.
  std::string id_verdict(const boost::json::object& claims, boost::json::object header = {},
                         const token_expectations& e = expect()) const {
    header["alg"] = "RS256";
    header["kid"] = "rsa";
    auto verified = verify(sign_token(*rsa_, "RS256", header, claims));
    if (auto* err = std::get_if<jws_error>(&verified))
      return "jws: " + err->reason;
    auto checked = check_id_token(std::get<verified_jws>(verified), e);
    auto* err = std::get_if<claims_error>(&checked);
    return err != nullptr ? err->reason : "ok";
  }

  std::string access_verdict(const boost::json::object& claims, boost::json::object header) const {
    header["alg"] = "ES256";
    header["kid"] = "ec";
    auto verified = verify(sign_token(*p256_, "ES256", header, claims));
    if (auto* err = std::get_if<jws_error>(&verified))
      return "jws: " + err->reason;
    auto checked = check_access_token(std::get<verified_jws>(verified), expect(std::nullopt));
    auto* err = std::get_if<claims_error>(&checked);
    return err != nullptr ? err->reason : "ok";
  }

  static test_key* rsa_;
  static test_key* p256_;
  static test_key* ed_;
  static test_key* other_;
};
test_key* OidcTokenTest::rsa_ = nullptr;
test_key* OidcTokenTest::p256_ = nullptr;
test_key* OidcTokenTest::ed_ = nullptr;
test_key* OidcTokenTest::other_ = nullptr;

TEST_F(OidcTokenTest, EveryAllowedAlgorithmVerifies) {
  const std::vector<std::pair<const test_key*, std::pair<std::string, std::string>>> cases = {
      {rsa_, {"RS256", "rsa"}},
      {rsa_, {"PS256", "rsa"}},
      {p256_, {"ES256", "ec"}},
      {ed_, {"EdDSA", "ed"}}};
  for (const auto& [key, alg_kid] : cases) {
    const auto& [alg, kid] = alg_kid;
    auto token = sign_token(*key, alg, {{"alg", alg}, {"kid", kid}, {"typ", "JWT"}}, id_claims());
    auto result = verify(token);
    ASSERT_TRUE(std::holds_alternative<verified_jws>(result))
        << alg << ": " << std::get<jws_error>(result).reason;
    const auto& jws = std::get<verified_jws>(result);
    EXPECT_EQ(jws.alg, alg);
    EXPECT_EQ(jws.kid, kid);
    EXPECT_EQ(jws.typ, "JWT");
    EXPECT_EQ(jws.payload.at("sub").as_string(), "user-42");
  }
}

TEST_F(OidcTokenTest, ValidIdTokenYieldsItsClaims) {
  auto verified =
      verify(sign_token(*rsa_, "RS256", {{"alg", "RS256"}, {"kid", "rsa"}}, id_claims()));
  auto checked = check_id_token(std::get<verified_jws>(verified), expect());
  ASSERT_TRUE(std::holds_alternative<provider_claims>(checked))
      << std::get<claims_error>(checked).reason;
  const auto& c = std::get<provider_claims>(checked);
  EXPECT_EQ(c.sub, "user-42");
  EXPECT_EQ(c.email, "ada@example.com");
  EXPECT_TRUE(c.email_verified);
  EXPECT_EQ(c.name, "Ada Lovelace");
  EXPECT_EQ(c.phone_number, "+15555550100");
  EXPECT_EQ(c.exp, token_now + 300);
}

TEST_F(OidcTokenTest, RefusesAlgorithmsOutsideTheAllowList) {
  const auto payload = crypto::base64url_encode(boost::json::serialize(id_claims()));
  // alg none, with and without a signature part.
  const auto none = crypto::base64url_encode(R"({"alg":"none","kid":"rsa"})") + "." + payload;
  EXPECT_EQ(failure_of(none + "."), jws_failure::unsupported_alg);
  EXPECT_EQ(failure_of(none + ".c2ln"), jws_failure::unsupported_alg);
  EXPECT_EQ(failure_of(none), jws_failure::malformed);

  // HS256 keyed with the RSA public key's bytes, as DER would be and as the JWK text is: the
  // classic confusion attack.
  for (const std::string& secret :
       {rsa_->bn(OSSL_PKEY_PARAM_RSA_N), boost::json::serialize(rsa_->jwk("rsa"))}) {
    for (const char* alg : {"HS256", "HS384", "HS512"}) {
      const auto input =
          crypto::base64url_encode(std::string{R"({"alg":")"} + alg + R"(","kid":"rsa"})") + "." +
          payload;
      const auto token = input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, input));
      EXPECT_EQ(failure_of(token), jws_failure::unsupported_alg) << alg;
    }
  }
  for (const char* alg : {"RS384", "ES384", "ES256K", "Ed25519", "rs256", ""}) {
    auto token = sign_token(*rsa_, "RS256", {{"alg", alg}, {"kid", "rsa"}}, id_claims());
    EXPECT_EQ(failure_of(token), jws_failure::unsupported_alg) << alg;
  }
  auto no_alg = sign_token(*rsa_, "RS256", {{"kid", "rsa"}}, id_claims());
  EXPECT_EQ(failure_of(no_alg), jws_failure::unsupported_alg);
}

TEST_F(OidcTokenTest, KeyMustFitTheAlgorithm) {
  // An EC key asked to check RS256, an RSA key asked for ES256.
  auto rs_on_ec = sign_token(*rsa_, "RS256", {{"alg", "RS256"}, {"kid", "ec"}}, id_claims());
  EXPECT_EQ(failure_of(rs_on_ec), jws_failure::no_key);
  auto es_on_rsa = sign_token(*p256_, "ES256", {{"alg", "ES256"}, {"kid", "rsa"}}, id_claims());
  EXPECT_EQ(failure_of(es_on_rsa), jws_failure::no_key);
  // The key's own alg binds it: this RSA key says RS256, so PS256 with it is refused.
  auto bound = decode_jwks(jwks_of({rsa_->jwk("rsa", "RS256")}));
  auto ps = sign_token(*rsa_, "PS256", {{"alg", "PS256"}, {"kid", "rsa"}}, id_claims());
  auto result = verify_jws(ps, std::get<jwk_set>(bound));
  ASSERT_TRUE(std::holds_alternative<jws_error>(result));
  EXPECT_EQ(std::get<jws_error>(result).failure, jws_failure::no_key);
}

TEST_F(OidcTokenTest, KeyChoiceByKid) {
  auto unknown = sign_token(*rsa_, "RS256", {{"alg", "RS256"}, {"kid", "rotated"}}, id_claims());
  auto result = verify(unknown);
  ASSERT_TRUE(std::holds_alternative<jws_error>(result));
  EXPECT_TRUE(std::get<jws_error>(result).unknown_kid());

  // Without a kid: fine when exactly one key fits the algorithm, refused when several do.
  auto one = sign_token(*ed_, "EdDSA", {{"alg", "EdDSA"}}, id_claims());
  EXPECT_TRUE(std::holds_alternative<verified_jws>(verify(one)));
  auto two_rsa = decode_jwks(jwks_of({rsa_->jwk("a"), other_->jwk("b")}));
  auto ambiguous = sign_token(*rsa_, "RS256", {{"alg", "RS256"}}, id_claims());
  auto refused = verify_jws(ambiguous, std::get<jwk_set>(two_rsa));
  ASSERT_TRUE(std::holds_alternative<jws_error>(refused));
  EXPECT_EQ(std::get<jws_error>(refused).failure, jws_failure::no_key);

  // Signed by another key under a known kid.
  auto forged = sign_token(*other_, "RS256", {{"alg", "RS256"}, {"kid", "rsa"}}, id_claims());
  EXPECT_EQ(failure_of(forged), jws_failure::bad_signature);
  auto empty = verify_jws(one, jwk_set{});
  EXPECT_EQ(std::get<jws_error>(empty).failure, jws_failure::no_key);
}

TEST_F(OidcTokenTest, RefusesCritAndTampering) {
  auto crit = sign_token(*rsa_, "RS256",
                         {{"alg", "RS256"}, {"kid", "rsa"}, {"crit", boost::json::array{"exp"}}},
                         id_claims());
  EXPECT_EQ(failure_of(crit), jws_failure::malformed);

  auto token = sign_token(*p256_, "ES256", {{"alg", "ES256"}, {"kid", "ec"}}, id_claims());
  const auto dot = token.find('.');
  auto claims = id_claims();
  claims["sub"] = "admin";
  auto swapped = token.substr(0, dot + 1) +
                 crypto::base64url_encode(boost::json::serialize(claims)) +
                 token.substr(token.rfind('.'));
  EXPECT_EQ(failure_of(swapped), jws_failure::bad_signature);
  // ES256 signatures are exactly 64 bytes; a DER one is refused.
  const auto sig = *crypto::base64url_decode(token.substr(token.rfind('.') + 1));
  EXPECT_EQ(failure_of(token.substr(0, token.rfind('.') + 1) + crypto::base64url_encode(sig + "x")),
            jws_failure::bad_signature);
}

TEST_F(OidcTokenTest, RefusesMalformedPartsAndOversizeTokens) {
  const auto good = sign_token(*ed_, "EdDSA", {{"alg", "EdDSA"}, {"kid", "ed"}}, id_claims());
  const auto first = good.find('.');
  const auto last = good.rfind('.');
  const auto header = good.substr(0, first);
  const auto payload = good.substr(first + 1, last - first - 1);
  const auto sig = good.substr(last + 1);
  const auto b64 = [](std::string_view s) { return crypto::base64url_encode(s); };
  for (const std::string& token :
       {std::string{}, std::string{"."}, std::string{".."}, header + "." + payload, good + ".",
        header + "!." + payload + "." + sig, header + "=." + payload + "." + sig,
        b64("{") + "." + payload + "." + sig, b64("[]") + "." + payload + "." + sig,
        b64(R"({"alg":"EdDSA","kid":7})") + "." + payload + "." + sig,
        b64(R"({"alg":["EdDSA"]})") + "." + payload + "." + sig,
        b64(R"({"alg":"EdDSA","kid":"ed","alg":"none"})") + "." + payload + "." + sig,
        header + "." + payload + ".", header + "." + payload + ".%%%"}) {
    auto result = verify(token);
    ASSERT_TRUE(std::holds_alternative<jws_error>(result)) << token;
    EXPECT_NE(std::get<jws_error>(result).failure, jws_failure::unknown_kid);
  }
  // A payload that is signed but is not a JSON object.
  for (const std::string& body :
       {std::string{"[1]"}, std::string{"{\"a\":"}, std::string{"\xff"}}) {
    const auto input = header + "." + b64(body);
    EXPECT_EQ(failure_of(input + "." + b64(ed_->sign("EdDSA", input))), jws_failure::malformed);
  }
  auto big = id_claims();
  big["pad"] = std::string(max_provider_token_bytes, 'x');
  auto oversize = sign_token(*ed_, "EdDSA", {{"alg", "EdDSA"}, {"kid", "ed"}}, big);
  EXPECT_EQ(failure_of(oversize), jws_failure::malformed);
}

TEST_F(OidcTokenTest, IdTokenClaimChecks) {
  EXPECT_EQ(id_verdict(id_claims()), "ok");
  auto c = id_claims();
  c["exp"] = token_now - 61;
  EXPECT_EQ(id_verdict(c), "token expired");
  c["exp"] = token_now - 30; // inside the leeway
  EXPECT_EQ(id_verdict(c), "ok");
  c = id_claims();
  c["iat"] = token_now + 120;
  EXPECT_EQ(id_verdict(c), "token iat is in the future");
  c.erase("iat");
  EXPECT_EQ(id_verdict(c), "token lacks iat");
  c = id_claims();
  c["nbf"] = token_now + 600;
  EXPECT_EQ(id_verdict(c), "token not yet valid");
  c = id_claims();
  c["exp"] = "soon";
  EXPECT_EQ(id_verdict(c), "token lacks exp");
  c = id_claims();
  c["iss"] = "https://id.example.com/";
  EXPECT_EQ(id_verdict(c), "token iss does not match the provider");
  c = id_claims();
  c["aud"] = "someone-else";
  EXPECT_EQ(id_verdict(c), "token aud does not contain the client id");
  c["aud"] = boost::json::array{"someone-else", 3};
  EXPECT_EQ(id_verdict(c), "token aud does not contain the client id");
  c.erase("aud");
  EXPECT_EQ(id_verdict(c), "token aud does not contain the client id");
  c = id_claims();
  c["sub"] = "";
  EXPECT_EQ(id_verdict(c), "token sub is missing or malformed");
  c["sub"] = std::string(256, 's');
  EXPECT_EQ(id_verdict(c), "token sub is missing or malformed");
}

TEST_F(OidcTokenTest, AudienceArraysAndAzp) {
  auto c = id_claims();
  c["aud"] = boost::json::array{token_client};
  EXPECT_EQ(id_verdict(c), "ok");
  c["aud"] = boost::json::array{"api", token_client};
  EXPECT_EQ(id_verdict(c), "token azp is not the client id"); // several audiences need azp
  c["azp"] = token_client;
  EXPECT_EQ(id_verdict(c), "ok");
  c["azp"] = "api";
  EXPECT_EQ(id_verdict(c), "token azp is not the client id");
  c = id_claims();
  c["azp"] = "other-client";
  EXPECT_EQ(id_verdict(c), "token azp is not the client id");
}

TEST_F(OidcTokenTest, NonceComparedWhenExpected) {
  auto c = id_claims();
  EXPECT_EQ(id_verdict(c, {}, expect("another-nonce")), "token nonce does not match");
  EXPECT_EQ(id_verdict(c, {}, expect(std::nullopt)), "ok"); // a bearer ID token: no nonce sent
  c.erase("nonce");
  EXPECT_EQ(id_verdict(c), "token nonce does not match");
  EXPECT_EQ(id_verdict(c, {}, expect("")), "token nonce does not match");
}

TEST_F(OidcTokenTest, AccessTokensAreNotIdTokens) {
  EXPECT_EQ(id_verdict(id_claims(), {{"typ", "at+jwt"}}), "an access token is not an ID token");
  EXPECT_EQ(id_verdict(id_claims(), {{"typ", "Application/AT+JWT"}}),
            "an access token is not an ID token");
  auto c = id_claims();
  c["token_use"] = "access";
  EXPECT_EQ(id_verdict(c), "token_use is not id");
  c["token_use"] = "id";
  EXPECT_EQ(id_verdict(c), "ok");
}

TEST_F(OidcTokenTest, AccessTokenShapes) {
  boost::json::object rfc9068{{"iss", token_issuer},
                              {"sub", "user-42"},
                              {"aud", boost::json::array{token_client, "api"}},
                              {"client_id", token_client},
                              {"exp", token_now + 300},
                              {"iat", token_now},
                              {"jti", "j1"}};
  EXPECT_EQ(access_verdict(rfc9068, {{"typ", "at+jwt"}}), "ok");
  EXPECT_EQ(access_verdict(rfc9068, {{"typ", "application/at+jwt"}}), "ok");
  // Without the access token type it is neither RFC 9068 nor Cognito.
  EXPECT_EQ(access_verdict(rfc9068, {{"typ", "JWT"}}), "token is not an access token");
  auto wrong_aud = rfc9068;
  wrong_aud["aud"] = "api";
  EXPECT_EQ(access_verdict(wrong_aud, {{"typ", "at+jwt"}}),
            "token aud does not contain the client id");

  // Cognito: no aud, token_use and client_id instead.
  boost::json::object cognito{{"iss", token_issuer},    {"sub", "user-42"},
                              {"token_use", "access"},  {"client_id", token_client},
                              {"exp", token_now + 300}, {"iat", token_now},
                              {"username", "ada"}};
  EXPECT_EQ(access_verdict(cognito, {}), "ok");
  auto other_client = cognito;
  other_client["client_id"] = "other";
  EXPECT_EQ(access_verdict(other_client, {}), "token client_id is not the client id");
  auto id_use = cognito;
  id_use["token_use"] = "id";
  EXPECT_EQ(access_verdict(id_use, {}), "token is not an access token");
  auto expired = cognito;
  expired["exp"] = token_now - 3600;
  EXPECT_EQ(access_verdict(expired, {}), "token expired");
  // An ID token offered as an access token.
  EXPECT_EQ(access_verdict(id_claims(), {}), "token is not an access token");
}

TEST_F(OidcTokenTest, EmailVerifiedOnlyWhenTrue) {
  for (const auto& [value, expected] : std::vector<std::pair<boost::json::value, bool>>{
           {true, true}, {"true", true}, {false, false}, {"false", false}, {1, false}}) {
    auto c = id_claims();
    c["email_verified"] = value;
    auto verified = verify(sign_token(*rsa_, "RS256", {{"alg", "RS256"}, {"kid", "rsa"}}, c));
    auto checked = check_id_token(std::get<verified_jws>(verified), expect());
    ASSERT_TRUE(std::holds_alternative<provider_claims>(checked));
    EXPECT_EQ(std::get<provider_claims>(checked).email_verified, expected)
        << boost::json::serialize(value);
  }
}

} // namespace
} // namespace gh::oidc
