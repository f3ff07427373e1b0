#include "actors/federation/fusionauth_signature.hpp"
#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gh::federation {
namespace {

constexpr std::string_view fa_secret = "a FusionAuth HMAC key from Key Master";
constexpr std::string_view fa_body = R"({"event":{"id":"e1","type":"user.create","user":{}}})";
constexpr int64_t fa_now = 1'780'000'000;

std::string body_hash(std::string_view body) {
  return crypto::base64_encode(crypto::sha256(body));
}

// A compact JWS over the exact header and claims text given, signed with HMAC-SHA256.
std::string hs256(std::string_view header, std::string_view claims,
                  std::string_view key = fa_secret) {
  const auto signing_input =
      crypto::base64url_encode(header) + "." + crypto::base64url_encode(claims);
  return signing_input + "." + crypto::base64url_encode(crypto::hmac_sha256(key, signing_input));
}

std::string fusionauth_jwt(std::string_view body = fa_body, std::string_view extra_claims = "") {
  return hs256(R"({"alg":"HS256","typ":"JWT","kid":"0b2e7bc1-8e0e-4a8f-9b1c-6b9c1b0d7f11"})",
               R"({"request_body_sha256":")" + body_hash(body) + "\"" + std::string{extra_claims} +
                   "}");
}

fusionauth_check check(std::string_view jwt, std::string_view body = fa_body,
                       std::string_view key = fa_secret) {
  return check_fusionauth_signature(jwt, body, key, fa_now);
}

TEST(FusionAuthSignatureTest, ValidTokenOverTheBodyIsAccepted) {
  EXPECT_EQ(check(fusionauth_jwt()), fusionauth_check::valid);
  // Without kid and typ too.
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})",
                        R"({"request_body_sha256":")" + body_hash(fa_body) + "\"}")),
            fusionauth_check::valid);
}

TEST(FusionAuthSignatureTest, WrongOrEmptySecretIsRefused) {
  EXPECT_EQ(check(fusionauth_jwt(), fa_body, "another secret"), fusionauth_check::mismatch);
  const auto empty_keyed =
      hs256(R"({"alg":"HS256"})", R"({"request_body_sha256":")" + body_hash(fa_body) + "\"}", "");
  EXPECT_EQ(check(empty_keyed, fa_body, ""), fusionauth_check::mismatch);
}

TEST(FusionAuthSignatureTest, AlgNoneIsRefused) {
  const auto claims =
      crypto::base64url_encode(R"({"request_body_sha256":")" + body_hash(fa_body) + "\"}");
  const auto none = crypto::base64url_encode(R"({"alg":"none"})") + "." + claims + ".";
  EXPECT_EQ(check(none), fusionauth_check::algorithm);
  // Even when signed correctly, the token may not pick another algorithm.
  for (std::string_view header :
       {R"({"alg":"none"})", R"({"alg":"RS256"})", R"({"alg":"HS512"})", R"({"alg":"hs256"})",
        R"({"alg":"HS256 "})", R"({"alg":["HS256"]})", R"({"typ":"JWT"})",
        R"({"alg":"HS256","crit":["exp"]})", R"({"alg":"HS256","typ":"at+jwt"})",
        R"({"alg":"HS256","typ":1})"})
    EXPECT_EQ(check(hs256(header, R"({"request_body_sha256":")" + body_hash(fa_body) + "\"}")),
              fusionauth_check::algorithm)
        << header;
}

TEST(FusionAuthSignatureTest, Rs256TokenIsRefusedBeforeItsSignatureIsRead) {
  const auto rs =
      crypto::base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." +
      crypto::base64url_encode(R"({"request_body_sha256":")" + body_hash(fa_body) + "\"}") + "." +
      crypto::base64url_encode(std::string(256, 'x'));
  EXPECT_EQ(check(rs), fusionauth_check::algorithm);
}

TEST(FusionAuthSignatureTest, TamperedBodyIsRefused) {
  EXPECT_EQ(check(fusionauth_jwt(), R"({"event":{"id":"e1","type":"user.delete","user":{}}})"),
            fusionauth_check::body_mismatch);
  EXPECT_EQ(check(fusionauth_jwt(), std::string{fa_body} + " "), fusionauth_check::body_mismatch);
  EXPECT_EQ(check(fusionauth_jwt(), ""), fusionauth_check::body_mismatch);
}

TEST(FusionAuthSignatureTest, BodyHashInAnotherEncodingIsRefused) {
  const auto raw = crypto::sha256(fa_body);
  for (const std::string& encoded :
       {crypto::to_hex(raw), crypto::base64url_encode(raw), body_hash(fa_body).substr(0, 43)})
    EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"request_body_sha256":")" + encoded + "\"}")),
              fusionauth_check::body_mismatch)
        << encoded;
}

TEST(FusionAuthSignatureTest, MissingBodyHashIsRefused) {
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", "{}")), fusionauth_check::no_body_hash);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"request_body_sha256":null})")),
            fusionauth_check::no_body_hash);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"request_body_sha256":42})")),
            fusionauth_check::no_body_hash);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"request_body_sha25":"x"})")),
            fusionauth_check::no_body_hash);
}

TEST(FusionAuthSignatureTest, ExpiryIsHonouredWhenPresent) {
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"exp\":" + std::to_string(fa_now + 60))),
            fusionauth_check::valid);
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"exp\":" + std::to_string(fa_now - 10))),
            fusionauth_check::valid); // within the 30 s leeway
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"exp\":" + std::to_string(fa_now - 30))),
            fusionauth_check::expired);
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"exp\":0")), fusionauth_check::expired);
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"exp\":-9223372036854775808")),
            fusionauth_check::expired);
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"exp\":18446744073709551615")),
            fusionauth_check::valid);
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"nbf\":" + std::to_string(fa_now + 3600))),
            fusionauth_check::expired);
  EXPECT_EQ(check(fusionauth_jwt(fa_body, ",\"iat\":" + std::to_string(fa_now - 3600))),
            fusionauth_check::valid); // iat alone says nothing about validity
  for (std::string_view bad : {",\"exp\":\"soon\"", ",\"exp\":1.5e9", ",\"nbf\":null"})
    EXPECT_EQ(check(fusionauth_jwt(fa_body, bad)), fusionauth_check::malformed) << bad;
}

TEST(FusionAuthSignatureTest, MalformedTokensAreRefused) {
  const auto good = fusionauth_jwt();
  const auto dot1 = good.find('.');
  const auto dot2 = good.find('.', dot1 + 1);
  const std::vector<std::string> bad{
      "abc",
      "a.b",
      good + ".x",
      good.substr(0, dot2),
      "." + good.substr(dot1 + 1),
      good.substr(0, dot1) + "..",
      good.substr(0, dot2 + 1) + "***",
      good.substr(0, dot2 + 1) + good.substr(dot2 + 1) + "=",
      crypto::base64url_encode("[1]") + good.substr(dot1),
      crypto::base64url_encode("not json") + good.substr(dot1),
      std::string(4097, 'a'),
  };
  for (const auto& token : bad)
    EXPECT_EQ(check(token), fusionauth_check::malformed) << token;
  // Claims that are not an object are refused once the signature holds.
  const auto undecodable = crypto::base64url_encode(R"({"alg":"HS256"})") + ".!!!";
  EXPECT_EQ(check(undecodable + "." +
                  crypto::base64url_encode(crypto::hmac_sha256(fa_secret, undecodable))),
            fusionauth_check::malformed);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", "[]")), fusionauth_check::malformed);
  EXPECT_EQ(check(hs256(R"({"alg":"HS256"})", R"({"a":{"b":{"c":{"d":{"e":1}}}}})")),
            fusionauth_check::malformed);
  EXPECT_EQ(check(""), fusionauth_check::missing);
}

TEST(FusionAuthSignatureTest, TamperedSignatureOrClaimsAreRefused) {
  const auto good = fusionauth_jwt();
  const auto dot1 = good.find('.');
  const auto dot2 = good.find('.', dot1 + 1);
  auto token = good;
  token[dot2 + 1] = token[dot2 + 1] == 'A' ? 'B' : 'A';
  EXPECT_EQ(check(token), fusionauth_check::mismatch);
  // A signature of the wrong length is not an HS256 signature at all.
  EXPECT_EQ(check(good.substr(0, dot2 + 1) + crypto::base64url_encode(std::string(31, 'x'))),
            fusionauth_check::malformed);
  const auto forged =
      good.substr(0, dot1 + 1) +
      crypto::base64url_encode(R"({"request_body_sha256":")" + body_hash("{}") + "\"}") +
      good.substr(dot2);
  EXPECT_EQ(check(forged, "{}"), fusionauth_check::mismatch);
}

TEST(FusionAuthSignatureTest, EveryRefusalHasItsOwnDescription) {
  const std::vector<fusionauth_check> all{
      fusionauth_check::missing,      fusionauth_check::malformed, fusionauth_check::algorithm,
      fusionauth_check::mismatch,     fusionauth_check::expired,   fusionauth_check::no_body_hash,
      fusionauth_check::body_mismatch};
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_NE(describe(all[i]), describe(fusionauth_check::valid));
    for (std::size_t j = i + 1; j < all.size(); ++j)
      EXPECT_NE(describe(all[i]), describe(all[j]));
  }
}

} // namespace
} // namespace gh::federation
