#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"
#include "messages/json.hpp"
#include "tests/support/text.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

using namespace gh;

namespace {

namespace fs = std::filesystem;

constexpr std::string_view test_issuer = "https://auth.gatehouse.test";
constexpr std::string_view test_audience = "gatehouse-api";

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string b64(std::string_view bytes) {
  return crypto::base64url_encode(bytes);
}

/// Base64url of `json` with the `=` padding Gatehouse refuses; spaces are appended to the JSON
/// (still valid) until its length needs padding.
std::string b64_padded(std::string json) {
  while (json.size() % 3 == 0)
    json += ' ';
  auto out = b64(json);
  while (out.size() % 4 != 0)
    out += '=';
  return out;
}

/// A compact JWS of the given header and payload JSON, signed by `key`.
std::string signed_with(const jwt::signing_key& key, std::string_view header_json,
                        std::string_view payload_json) {
  const auto input = b64(header_json) + "." + b64(payload_json);
  return input + "." + b64(key.sign(input));
}

/// The payload JSON of `c` written by hand, leaving out the claim named `omit`; `nbf` only
/// when it is set.
std::string payload_json(const jwt::claims& c, std::string_view omit = {}) {
  std::string out;
  const auto add = [&](std::string_view name, const std::string& value) {
    if (name == omit)
      return;
    out += out.empty() ? "{" : ",";
    out += '"';
    out += name;
    out += "\":";
    out += value;
  };
  const auto quoted = [](const std::string& s) { return '"' + s + '"'; };
  add("iss", quoted(c.iss));
  add("sub", quoted(c.sub));
  add("aud", quoted(c.aud));
  add("jti", quoted(c.jti));
  add("tid", quoted(c.tid));
  add("sid", quoted(c.sid));
  add("iat", std::to_string(c.iat));
  if (c.nbf != 0)
    add("nbf", std::to_string(c.nbf));
  add("exp", std::to_string(c.exp));
  out += out.empty() ? "{}" : "}";
  return out;
}

/// The JSON object in segment `index` of `token` (0 header, 1 payload); empty when it is none.
boost::json::object segment_object(std::string_view token, std::size_t index) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < index; ++i)
    start = token.find('.', start) + 1;
  const auto end = token.find('.', start);
  const auto bytes = crypto::base64url_decode(token.substr(start, end - start));
  if (!bytes)
    return {};
  auto parsed = parse_untrusted_json(*bytes);
  auto* value = std::get_if<boost::json::value>(&parsed);
  if (value == nullptr || !value->is_object())
    return {};
  return value->as_object();
}

/// Success when `r` refuses `token` at `at` with a reason containing `why`.
testing::AssertionResult refused_by(const jwt::key_ring& r, std::string_view token, int64_t at,
                                    std::string_view why) {
  const auto result = r.verify(token, at);
  const auto* error = std::get_if<jwt::verify_error>(&result);
  if (error == nullptr)
    return testing::AssertionFailure() << "the token was accepted";
  if (error->reason.find(why) == std::string::npos)
    return testing::AssertionFailure()
           << "refused for \"" << error->reason << "\" rather than \"" << why << '"';
  return testing::AssertionSuccess() << "refused: " << error->reason;
}

/// Success when `r` accepts `token` at `at`.
testing::AssertionResult accepted_by(const jwt::key_ring& r, std::string_view token, int64_t at) {
  const auto result = r.verify(token, at);
  if (const auto* error = std::get_if<jwt::verify_error>(&result))
    return testing::AssertionFailure() << "refused: " << error->reason;
  return testing::AssertionSuccess();
}

/// Replaces the base64url character at `pos` with another one.
std::string flip_char(std::string token, std::size_t pos) {
  token[pos] = token[pos] == 'A' ? 'B' : 'A';
  return token;
}

class JwtTest : public testing::Test {
protected:
  jwt::signing_key key = jwt::signing_key::generate();
  jwt::key_ring ring{{key}, std::string{test_issuer}, std::string{test_audience}};
  int64_t now = unix_now();

  /// Claims of a token issued now and valid for 15 minutes.
  jwt::claims fresh() const {
    jwt::claims c;
    c.iss = std::string{test_issuer};
    c.aud = std::string{test_audience};
    c.sub = "user-42";
    c.tid = "tenant-7";
    c.sid = "session-9";
    c.jti = "jti-0001";
    c.iat = now;
    c.exp = now + 900;
    return c;
  }

  /// The header Gatehouse itself writes, naming `key`.
  std::string eddsa_header() const {
    return R"({"alg":"EdDSA","typ":"JWT","kid":")" + key.kid() + "\"}";
  }

  std::string forge(std::string_view header_json, std::string_view payload) const {
    return signed_with(key, header_json, payload);
  }

  testing::AssertionResult refused(std::string_view token, std::string_view why = {}) const {
    return refused_by(ring, token, now, why);
  }

  testing::AssertionResult accepted(std::string_view token) const {
    return accepted_by(ring, token, now);
  }
};

} // namespace

// --- JWT: the happy path ------------------------------------------------------------------------

TEST_F(JwtTest, IssuedTokenVerifiesWithItsClaims) {
  auto c = fresh();
  c.iss = "https://someone-else.test"; // issue() takes iss and aud from the ring
  c.aud = "other-api";
  const auto token = ring.issue(c);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);

  const auto result = ring.verify(token, now);
  const auto* got = std::get_if<jwt::claims>(&result);
  ASSERT_NE(got, nullptr) << std::get<jwt::verify_error>(result).reason;
  EXPECT_EQ(got->iss, test_issuer);
  EXPECT_EQ(got->aud, test_audience);
  EXPECT_EQ(got->sub, "user-42");
  EXPECT_EQ(got->tid, "tenant-7");
  EXPECT_EQ(got->sid, "session-9");
  EXPECT_EQ(got->jti, "jti-0001");
  EXPECT_EQ(got->iat, now);
  EXPECT_EQ(got->nbf, now);
  EXPECT_EQ(got->exp, now + 900);
}

TEST_F(JwtTest, IssuedHeaderNamesEdDsaAndTheKey) {
  const auto header = segment_object(ring.issue(fresh()), 0);
  ASSERT_FALSE(header.empty());
  EXPECT_EQ(header.at("alg").as_string(), "EdDSA");
  EXPECT_EQ(header.at("typ").as_string(), "JWT");
  EXPECT_EQ(header.at("kid").as_string(), key.kid());
  EXPECT_FALSE(header.contains("crit"));
}

TEST_F(JwtTest, HandBuiltTokenSignedByTheRingKeyVerifies) {
  // The control for the forged tokens below: the helpers themselves produce acceptable tokens.
  const auto token = forge(eddsa_header(), payload_json(fresh()));
  ASSERT_TRUE(accepted(token));
  const auto result = ring.verify(token, now);
  const auto& got = std::get<jwt::claims>(result);
  EXPECT_EQ(got.sub, "user-42");
  EXPECT_EQ(got.nbf, got.iat); // no nbf in the payload: it defaults to iat
}

// --- JWT: algorithm confusion -------------------------------------------------------------------

TEST_F(JwtTest, RejectsAlgNone) {
  const auto payload = b64(payload_json(fresh()));
  for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
    const auto plain = R"({"alg":")" + alg + R"(","typ":"JWT"})";
    EXPECT_TRUE(refused(b64(plain) + "." + payload + ".", "algorithm")) << alg;
    const auto with_kid = R"({"alg":")" + alg + R"(","typ":"JWT","kid":")" + key.kid() + "\"}";
    EXPECT_TRUE(refused(b64(with_kid) + "." + payload + ".", "algorithm")) << alg;
  }
}

TEST_F(JwtTest, RejectsHs256KeyedWithPublicKeyMaterial) {
  const auto payload = payload_json(fresh());
  const auto hs256_with_kid = R"({"alg":"HS256","typ":"JWT","kid":")" + key.kid() + "\"}";
  const std::string hs256_plain = R"({"alg":"HS256","typ":"JWT"})";
  for (const auto& header_json : {hs256_with_kid, hs256_plain}) {
    const auto input = b64(header_json) + "." + b64(payload);
    for (const std::string& secret : {key.public_raw(), ring.jwks_json(), b64(key.public_raw())}) {
      const auto token = input + "." + b64(crypto::hmac_sha256(secret, input));
      EXPECT_TRUE(refused(token, "algorithm")) << header_json;
    }
  }
}

TEST_F(JwtTest, RejectsEveryAlgorithmButEdDsaEvenWithAValidSignature) {
  const auto payload = payload_json(fresh());
  for (const std::string alg :
       {"HS256", "RS256", "ES256", "PS256", "eddsa", "EDDSA", "Ed25519", "EdDSA ", ""}) {
    const auto header_json = R"({"alg":")" + alg + R"(","kid":")" + key.kid() + "\"}";
    EXPECT_TRUE(refused(forge(header_json, payload), "algorithm")) << '"' << alg << '"';
  }
  for (const std::string alg_value : {"1", "null", "[\"EdDSA\"]", "{\"a\":\"EdDSA\"}"}) {
    const auto header_json = R"({"alg":)" + alg_value + R"(,"kid":")" + key.kid() + "\"}";
    EXPECT_TRUE(refused(forge(header_json, payload), "algorithm")) << alg_value;
  }
  EXPECT_TRUE(refused(forge(R"({"kid":")" + key.kid() + "\"}", payload), "algorithm"));
}

// --- JWT: claims --------------------------------------------------------------------------------

TEST_F(JwtTest, RejectsWrongAudienceEvenWhenProperlySigned) {
  auto c = fresh();
  c.aud = "another-api";
  EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(c)), "audience"));
  c.aud = "";
  EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(c)), "audience"));
  EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(fresh(), "aud")), "audience"));

  jwt::key_ring other_audience{{key}, std::string{test_issuer}, "another-api"};
  EXPECT_TRUE(refused(other_audience.issue(fresh()), "audience"));
}

TEST_F(JwtTest, RejectsWrongIssuer) {
  // Same key, so only the issuer differs.
  jwt::key_ring evil{{key}, "https://evil.test", std::string{test_audience}};
  EXPECT_TRUE(accepted_by(evil, evil.issue(fresh()), now));
  EXPECT_TRUE(refused(evil.issue(fresh()), "issuer"));
  EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(fresh(), "iss")), "issuer"));
}

TEST_F(JwtTest, HonoursExpiryWithinLeewayOnly) {
  auto c = fresh();
  c.iat = now - 900;
  c.exp = now - 60;
  EXPECT_TRUE(refused(ring.issue(c), "expired"));
  c.exp = now - 30; // exp + leeway == now
  EXPECT_TRUE(refused(ring.issue(c), "expired"));
  c.exp = now - 29;
  EXPECT_TRUE(accepted(ring.issue(c)));
  c.exp = now - 10;
  EXPECT_TRUE(accepted(ring.issue(c)));
}

TEST_F(JwtTest, ZeroLeewayRejectsAtExpiry) {
  jwt::key_ring strict{
      {key}, std::string{test_issuer}, std::string{test_audience}, std::chrono::seconds{0}};
  auto c = fresh();
  c.exp = now;
  EXPECT_TRUE(refused_by(strict, strict.issue(c), now, "expired"));
  c.exp = now + 1;
  EXPECT_TRUE(accepted_by(strict, strict.issue(c), now));
  c.iat = now + 1;
  c.nbf = now;
  c.exp = now + 60;
  EXPECT_TRUE(refused_by(strict, strict.issue(c), now, "not valid yet"));
}

TEST_F(JwtTest, RejectsNotBeforeOrIssuedAtInTheFuture) {
  auto c = fresh();
  c.nbf = now + 60;
  EXPECT_TRUE(refused(ring.issue(c), "not valid yet"));
  c.nbf = now + 31;
  EXPECT_TRUE(refused(ring.issue(c), "not valid yet"));
  c.nbf = now + 30;
  EXPECT_TRUE(accepted(ring.issue(c)));
  c.nbf = now + 10;
  EXPECT_TRUE(accepted(ring.issue(c)));

  c = fresh();
  c.nbf = now;
  c.iat = now + 60;
  EXPECT_TRUE(refused(ring.issue(c), "not valid yet"));
  c.iat = now + 10;
  EXPECT_TRUE(accepted(ring.issue(c)));
}

TEST_F(JwtTest, RejectsMissingOrEmptyRequiredClaims) {
  for (const std::string_view claim : {"sub", "jti", "tid", "sid", "exp", "iat"})
    EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(fresh(), claim)), "required claims"))
        << claim;
  auto c = fresh();
  c.sub = "";
  EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(c)), "required claims"));
  c = fresh();
  c.jti = "";
  EXPECT_TRUE(refused(forge(eddsa_header(), payload_json(c)), "required claims"));
}

TEST_F(JwtTest, RejectsClaimsOfTheWrongType) {
  auto payload = payload_json(fresh(), "exp");
  payload.back() = ',';
  EXPECT_TRUE(
      refused(forge(eddsa_header(), payload + "\"exp\":\"" + std::to_string(now + 900) + "\"}"),
              "required claims"));
  EXPECT_TRUE(
      refused(forge(eddsa_header(), payload + "\"exp\":" + std::to_string(now + 900) + ".5}"),
              "required claims"));
  auto no_sub = payload_json(fresh(), "sub");
  no_sub.back() = ',';
  EXPECT_TRUE(refused(forge(eddsa_header(), no_sub + "\"sub\":42}"), "required claims"));
}

// --- JWT: signature and key id ------------------------------------------------------------------

TEST_F(JwtTest, RejectsTamperedPayload) {
  const auto token = ring.issue(fresh());
  const auto dot1 = token.find('.');
  EXPECT_TRUE(refused(flip_char(token, dot1 + 5), "signature"));

  // A payload of other claims spliced onto a genuine header and signature.
  auto c = fresh();
  c.sub = "admin";
  const auto dot2 = token.rfind('.');
  const auto spliced = token.substr(0, dot1 + 1) + b64(payload_json(c)) + token.substr(dot2);
  EXPECT_TRUE(refused(spliced, "signature"));
}

TEST_F(JwtTest, RejectsTamperedSignature) {
  const auto token = ring.issue(fresh());
  const auto dot2 = token.rfind('.');
  EXPECT_TRUE(refused(flip_char(token, dot2 + 10), "signature"));
  EXPECT_TRUE(refused(token.substr(0, token.size() - 2), "signature"));
  EXPECT_TRUE(refused(token + "AA", "signature"));
  EXPECT_TRUE(refused(token.substr(0, dot2 + 1), "signature")); // empty signature

  // The signature of another token by the same key.
  auto c = fresh();
  c.jti = "jti-0002";
  const auto other = ring.issue(c);
  EXPECT_TRUE(refused(token.substr(0, dot2) + other.substr(other.rfind('.')), "signature"));
}

TEST_F(JwtTest, RejectsUnknownKeyId) {
  jwt::key_ring stranger{
      {jwt::signing_key::generate()}, std::string{test_issuer}, std::string{test_audience}};
  EXPECT_TRUE(refused(stranger.issue(fresh()), "unknown"));

  // The ring's kid on a token signed by another key.
  const auto stranger_key = jwt::signing_key::generate();
  EXPECT_TRUE(
      refused(signed_with(stranger_key, eddsa_header(), payload_json(fresh())), "signature"));
}

TEST_F(JwtTest, RejectsMissingKeyId) {
  const auto payload = payload_json(fresh());
  EXPECT_TRUE(refused(forge(R"({"alg":"EdDSA","typ":"JWT"})", payload), "no key id"));
  EXPECT_TRUE(refused(forge(R"({"alg":"EdDSA","kid":7})", payload), "no key id"));
  EXPECT_TRUE(refused(forge(R"({"alg":"EdDSA","kid":null})", payload), "no key id"));
  EXPECT_TRUE(refused(forge(R"({"alg":"EdDSA","kid":""})", payload), "unknown"));
}

TEST_F(JwtTest, RejectsCritHeader) {
  const auto payload = payload_json(fresh());
  const auto kid = key.kid();
  EXPECT_TRUE(
      refused(forge(R"({"alg":"EdDSA","kid":")" + kid + R"(","crit":["exp"],"exp":1})", payload),
              "critical"));
  EXPECT_TRUE(
      refused(forge(R"({"alg":"EdDSA","kid":")" + kid + R"(","crit":[]})", payload), "critical"));
}

// --- JWT: structure -----------------------------------------------------------------------------

TEST_F(JwtTest, RejectsWrongSegmentCount) {
  const auto token = ring.issue(fresh());
  EXPECT_TRUE(refused(token.substr(0, token.rfind('.')), "compact"));
  EXPECT_TRUE(refused(token.substr(0, token.find('.')), "compact"));
  EXPECT_TRUE(refused(token + ".AAAA", "compact"));
  EXPECT_TRUE(refused(token + ".", "compact"));
  EXPECT_TRUE(refused("a.b.c.d", "compact"));
  EXPECT_TRUE(refused("...", "compact"));
  EXPECT_TRUE(refused("..", "header"));
}

TEST_F(JwtTest, RejectsEmptyAndOversizedTokens) {
  EXPECT_TRUE(refused("", "empty"));
  EXPECT_TRUE(refused(std::string(jwt::max_token_bytes + 1, 'a'), "too long"));
  const auto token = ring.issue(fresh());
  EXPECT_TRUE(refused(token + std::string(jwt::max_token_bytes, 'A'), "too long"));

  // A genuinely signed token that is too big is refused before anything is parsed.
  auto c = fresh();
  c.sub = std::string(jwt::max_token_bytes, 'x');
  const auto big = ring.issue(c);
  ASSERT_GT(big.size(), jwt::max_token_bytes);
  EXPECT_TRUE(refused(big, "too long"));
}

TEST_F(JwtTest, RejectsPaddedSegments) {
  const auto payload = payload_json(fresh());

  const auto padded_header = b64_padded(eddsa_header()) + "." + b64(payload);
  ASSERT_NE(padded_header.find('='), std::string::npos);
  EXPECT_TRUE(refused(padded_header + "." + b64(key.sign(padded_header)), "header"));

  const auto padded_payload = b64(eddsa_header()) + "." + b64_padded(payload);
  ASSERT_NE(padded_payload.find('='), std::string::npos);
  EXPECT_TRUE(refused(padded_payload + "." + b64(key.sign(padded_payload)), "payload"));

  // 64 bytes of signature take 86 characters: "==" would be its padding.
  const auto token = ring.issue(fresh());
  EXPECT_TRUE(refused(token + "==", "signature"));
}

TEST_F(JwtTest, RejectsDuplicateKeys) {
  const auto payload = payload_json(fresh());
  const auto duplicate_sub = R"({"sub":"admin",)" + payload.substr(1);
  EXPECT_TRUE(refused(forge(eddsa_header(), duplicate_sub), "payload"));
  const auto duplicate_exp = payload.substr(0, payload.size() - 1) + R"(,"exp":9999999999})";
  EXPECT_TRUE(refused(forge(eddsa_header(), duplicate_exp), "payload"));

  const auto duplicate_kid =
      R"({"alg":"EdDSA","kid":")" + key.kid() + R"(","kid":")" + key.kid() + "\"}";
  EXPECT_TRUE(refused(forge(duplicate_kid, payload), "header"));
}

TEST_F(JwtTest, RejectsPayloadThatIsNotAnObject) {
  const auto payload = payload_json(fresh());
  EXPECT_TRUE(refused(forge(eddsa_header(), "[" + payload + "]"), "payload"));
  EXPECT_TRUE(refused(forge(eddsa_header(), "\"" + fresh().sub + "\""), "payload"));
  EXPECT_TRUE(refused(forge(eddsa_header(), "null"), "payload"));
  EXPECT_TRUE(refused(forge(eddsa_header(), "not json"), "payload"));
  EXPECT_TRUE(refused(forge("[" + eddsa_header() + "]", payload), "header"));
}

// --- JWT: key rotation and the JWK set ----------------------------------------------------------

TEST_F(JwtTest, RotationKeepsOlderTokensValid) {
  const auto k1 = jwt::signing_key::generate();
  const auto k2 = jwt::signing_key::generate();
  ASSERT_NE(k1.kid(), k2.kid());
  jwt::key_ring ring_a{{k1}, std::string{test_issuer}, std::string{test_audience}};
  jwt::key_ring ring_b{{k1, k2}, std::string{test_issuer}, std::string{test_audience}};

  const auto old_token = ring_a.issue(fresh());
  EXPECT_TRUE(accepted_by(ring_b, old_token, now));

  const auto new_token = ring_b.issue(fresh());
  EXPECT_EQ(segment_object(new_token, 0).at("kid").as_string(), k2.kid());
  EXPECT_TRUE(accepted_by(ring_b, new_token, now));
  EXPECT_TRUE(refused_by(ring_a, new_token, now, "unknown"));

  const auto jwks = parse_untrusted_json(ring_b.jwks_json());
  ASSERT_TRUE(std::holds_alternative<boost::json::value>(jwks));
  const auto& keys = std::get<boost::json::value>(jwks).as_object().at("keys").as_array();
  ASSERT_EQ(keys.size(), 2U);
  std::set<std::string> kids;
  for (const auto& jwk : keys)
    kids.insert(std::string{jwk.as_object().at("kid").as_string()});
  EXPECT_EQ(kids, (std::set<std::string>{k1.kid(), k2.kid()}));
  EXPECT_EQ(keys.at(0).as_object().at("kid").as_string(), k2.kid()); // newest first
}

TEST_F(JwtTest, JwksPublishesOnlyPublicKeyMembers) {
  const auto jwks = parse_untrusted_json(ring.jwks_json());
  ASSERT_TRUE(std::holds_alternative<boost::json::value>(jwks));
  const auto& root = std::get<boost::json::value>(jwks).as_object();
  EXPECT_EQ(root.size(), 1U);
  const auto& keys = root.at("keys").as_array();
  ASSERT_EQ(keys.size(), 1U);
  const auto& jwk = keys.at(0).as_object();
  EXPECT_EQ(jwk.at("kty").as_string(), "OKP");
  EXPECT_EQ(jwk.at("crv").as_string(), "Ed25519");
  EXPECT_EQ(jwk.at("alg").as_string(), "EdDSA");
  EXPECT_EQ(jwk.at("use").as_string(), "sig");
  EXPECT_EQ(jwk.at("kid").as_string(), key.kid());
  EXPECT_EQ(jwk.at("x").as_string(), b64(key.public_raw()));
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_EQ(jwk.size(), 6U);
}

TEST_F(JwtTest, VerifiedCacheRemembersUntilExpiry) {
  jwt::verified_cache cache;
  auto c = fresh();
  c.exp = now + 60;
  const auto token = ring.issue(c);
  EXPECT_FALSE(cache.find(token, now).has_value());

  const auto result = ring.verify(token, now);
  ASSERT_TRUE(std::holds_alternative<jwt::claims>(result));
  cache.put(token, std::get<jwt::claims>(result));
  const auto hit = cache.find(token, now);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->sub, "user-42");
  EXPECT_EQ(hit->sid, "session-9");
  EXPECT_EQ(hit->jti, "jti-0001");
  EXPECT_EQ(hit->exp, now + 60);
  EXPECT_FALSE(cache.find(token + "x", now).has_value());

  EXPECT_FALSE(cache.find(token, now + 60).has_value());
  EXPECT_FALSE(cache.find(token, now).has_value()); // the expired entry was dropped
}

TEST(KeyRingTest, NeedsAtLeastOneKey) {
  EXPECT_THROW(jwt::key_ring({}, "iss", "aud"), std::invalid_argument);
}

// --- Signing keys -------------------------------------------------------------------------------

TEST(SigningKeyTest, FromPemRefusesGarbage) {
  EXPECT_THROW(jwt::signing_key::from_pem("garbage", "inline"), std::runtime_error);
  EXPECT_THROW(jwt::signing_key::from_pem("", "inline"), std::runtime_error);
  EXPECT_THROW(jwt::signing_key::from_pem(
                   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "inline"),
               std::runtime_error);
  try {
    (void)jwt::signing_key::from_pem("garbage", "keys/broken.pem");
    ADD_FAILURE() << "garbage was accepted as a key";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("keys/broken.pem"), std::string::npos) << e.what();
  }
}

TEST(SigningKeyTest, PrivatePemRoundTrips) {
  const auto key = jwt::signing_key::generate();
  const auto pem = key.private_pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----")) << pem;
  const auto again = jwt::signing_key::from_pem(pem, "round trip");
  EXPECT_EQ(again.kid(), key.kid());
  EXPECT_EQ(again.public_raw(), key.public_raw());
  EXPECT_TRUE(again.verify("data", key.sign("data")));
}

TEST(SigningKeyTest, MatchesRfc8032AndRfc8037Vectors) {
  // RFC 8032 §7.1 TEST 1 key as PKCS#8; RFC 8037 Appendix A gives its JWK thumbprint.
  const auto key = jwt::signing_key::from_pem(
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "-----END PRIVATE KEY-----\n",
      "rfc8032");
  EXPECT_EQ(crypto::to_hex(key.public_raw()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(b64(key.public_raw()), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  EXPECT_EQ(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  // Ed25519 is deterministic.
  EXPECT_EQ(crypto::to_hex(key.sign("abc")),
            "80d724b01e7ca260f4cc7f8de7c95f73cfac615bab1f762b6435b6ec26c8cf6d"
            "2c758dae2f87399a8eeda1cbcd2835ac5ba66d6ecaa3aba5e567a751053dc207");
}

TEST(SigningKeyTest, SignaturesVerifyOnlyForTheirDataAndKey) {
  const auto key = jwt::signing_key::generate();
  const auto other = jwt::signing_key::generate();
  EXPECT_NE(key.kid(), other.kid());
  EXPECT_EQ(key.kid().size(), 43U);
  EXPECT_EQ(key.public_raw().size(), 32U);

  const auto sig = key.sign("header.payload");
  EXPECT_EQ(sig.size(), 64U);
  EXPECT_TRUE(key.verify("header.payload", sig));
  EXPECT_FALSE(key.verify("header.payloaD", sig));
  EXPECT_FALSE(other.verify("header.payload", sig));
  EXPECT_FALSE(key.verify("header.payload", sig.substr(0, 63)));
  EXPECT_FALSE(key.verify("header.payload", sig + "x"));
  EXPECT_FALSE(key.verify("header.payload", std::string(64, '\0')));
}

namespace {

/// A fresh directory name under the system temp directory, removed with everything in it.
struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("gh-identity-test-" + crypto::random_token(9));
  temp_dir() = default;
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<fs::path> pem_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator{dir})
    if (entry.path().extension() == ".pem")
      out.push_back(entry.path());
  return out;
}

} // namespace

TEST(LoadSigningKeysTest, GeneratesOneKeyOnceInAnEmptyDirectory) {
  const temp_dir dir;
  ASSERT_FALSE(fs::exists(dir.path));

  const auto first = jwt::load_signing_keys({}, dir.path.string());
  ASSERT_EQ(first.size(), 1U);
  auto files = pem_files(dir.path);
  ASSERT_EQ(files.size(), 1U);
  EXPECT_TRUE(files[0].filename().string().starts_with("jwt-")) << files[0];
  EXPECT_TRUE((fs::status(files[0]).permissions() & fs::perms::all) ==
              (fs::perms::owner_read | fs::perms::owner_write));

  const auto second = jwt::load_signing_keys({}, dir.path.string());
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].kid(), first[0].kid());
  EXPECT_EQ(pem_files(dir.path).size(), 1U);

  // The file, named explicitly, is the same key; a generated_dir is then ignored.
  const temp_dir unused;
  const auto named = jwt::load_signing_keys({files[0].string()}, unused.path.string());
  ASSERT_EQ(named.size(), 1U);
  EXPECT_EQ(named[0].kid(), first[0].kid());
  EXPECT_FALSE(fs::exists(unused.path));
}

TEST(LoadSigningKeysTest, KeepsFileOrderAndRefusesBadFiles) {
  const temp_dir dir;
  fs::create_directories(dir.path);
  const auto k1 = jwt::signing_key::generate();
  const auto k2 = jwt::signing_key::generate();
  const auto p1 = (dir.path / "b-old.key").string();
  const auto p2 = (dir.path / "a-new.key").string();
  std::ofstream{p1} << k1.private_pem();
  std::ofstream{p2} << k2.private_pem();
  const auto keys = jwt::load_signing_keys({p1, p2}, "");
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[0].kid(), k1.kid());
  EXPECT_EQ(keys[1].kid(), k2.kid());

  EXPECT_TRUE(jwt::load_signing_keys({}, "").empty());
  EXPECT_THROW(jwt::load_signing_keys({(dir.path / "missing.pem").string()}, ""),
               std::runtime_error);
  const auto garbage = (dir.path / "garbage.pem").string();
  std::ofstream{garbage} << "not a key";
  try {
    (void)jwt::load_signing_keys({garbage}, "");
    ADD_FAILURE() << "a garbage key file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find(garbage), std::string::npos) << e.what();
  }
}
