#include "actors/identity/cookies.hpp"
#include "actors/identity/credentials.hpp"
#include "actors/identity/crypto.hpp"
#include "actors/identity/jwt.hpp"
#include "actors/identity/password_hash.hpp"
#include "actors/identity/requests.hpp"
#include "actors/identity/revocations.hpp"

#include "messages/json.hpp"

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

constexpr std::string_view b64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

// --- crypto -------------------------------------------------------------------------------------

TEST(CryptoTest, Base64UrlRoundTripsEveryLength) {
  for (std::size_t n = 0; n <= 40; ++n) {
    const auto bytes = crypto::random_bytes(n);
    ASSERT_EQ(bytes.size(), n);
    const auto text = crypto::base64url_encode(bytes);
    EXPECT_EQ(text.size(), (n * 4 + 2) / 3) << n;
    EXPECT_EQ(text.find_first_not_of(b64url_alphabet), std::string::npos) << text;
    EXPECT_EQ(crypto::base64url_decode(text), bytes) << n;
  }
  std::string every_byte;
  for (int i = 0; i < 256; ++i)
    every_byte += static_cast<char>(i);
  EXPECT_EQ(crypto::base64url_decode(crypto::base64url_encode(every_byte)), every_byte);
}

TEST(CryptoTest, Base64UrlMatchesRfc4648Vectors) {
  EXPECT_EQ(crypto::base64url_encode(""), "");
  EXPECT_EQ(crypto::base64url_encode("f"), "Zg");
  EXPECT_EQ(crypto::base64url_encode("fo"), "Zm8");
  EXPECT_EQ(crypto::base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(crypto::base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(crypto::base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(crypto::base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(crypto::base64url_encode("\xfb\xff\xbf"), "-_-_"); // URL alphabet, not "+/+/"
  EXPECT_EQ(crypto::base64url_decode("-_-_"), "\xfb\xff\xbf");
}

TEST(CryptoTest, Base64UrlDecodeRefusesNonCanonicalText) {
  EXPECT_EQ(crypto::base64url_decode(""), "");
  EXPECT_EQ(crypto::base64url_decode("AA"), std::string(1, '\0'));
  EXPECT_EQ(crypto::base64url_decode("AAE"), std::string_view("\0\x01", 2));
  for (const std::string_view bad : {"a", "AAAAA", "ab=", "Zg==", "AAA=", "a+b/", "+/+/", "AB",
                                     "AAB", "Zh", "Zm9", "A A", "AA\n", "AA.A"})
    EXPECT_FALSE(crypto::base64url_decode(bad).has_value()) << bad;
}

TEST(CryptoTest, Sha256MatchesKnownDigests) {
  EXPECT_EQ(crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::sha256("abc").size(), 32U);
  EXPECT_EQ(crypto::to_hex(crypto::sha256("abc")), crypto::sha256_hex("abc"));
}

TEST(CryptoTest, HmacMatchesRfcVectors) {
  // RFC 4231 test case 2 and RFC 2202 test case 2.
  EXPECT_EQ(crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(crypto::to_hex(crypto::hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_NE(crypto::hmac_sha256("Jefe", "a"), crypto::hmac_sha256("jefe", "a"));
}

TEST(CryptoTest, ConstantTimeEqualComparesLengthAndContent) {
  EXPECT_TRUE(crypto::constant_time_equal("", ""));
  EXPECT_TRUE(crypto::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "ab"));
  EXPECT_FALSE(crypto::constant_time_equal("ab", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("", "a"));
  const std::string_view nul_b("a\0b", 3);
  const std::string_view nul_c("a\0c", 3);
  EXPECT_FALSE(crypto::constant_time_equal(nul_b, nul_c));
  EXPECT_TRUE(crypto::constant_time_equal(nul_b, std::string_view("a\0b", 3)));
}

TEST(CryptoTest, RandomUuidIsVersion4) {
  const auto a = crypto::random_uuid();
  ASSERT_EQ(a.size(), 36U);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(a[i], '-') << a;
    } else {
      EXPECT_NE(std::string_view("0123456789abcdef").find(a[i]), std::string_view::npos) << a;
    }
  }
  EXPECT_EQ(a[14], '4') << a;
  EXPECT_NE(std::string_view("89ab").find(a[19]), std::string_view::npos) << a;
  EXPECT_NE(crypto::random_uuid(), a);
}

TEST(CryptoTest, RandomTokensAreUnpaddedBase64Url) {
  const auto a = crypto::random_token();
  EXPECT_EQ(a.size(), 43U);
  EXPECT_EQ(a.find_first_not_of(b64url_alphabet), std::string::npos) << a;
  const auto decoded = crypto::base64url_decode(a);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->size(), 32U);
  EXPECT_NE(crypto::random_token(), a);
  EXPECT_EQ(crypto::random_token(16).size(), 22U);
  EXPECT_TRUE(crypto::random_bytes(0).empty());
  EXPECT_NE(crypto::random_bytes(16), crypto::random_bytes(16));
}

TEST(CryptoTest, Base32MatchesRfc4648WithoutPadding) {
  EXPECT_EQ(crypto::base32_encode(""), "");
  EXPECT_EQ(crypto::base32_encode("f"), "MY");
  EXPECT_EQ(crypto::base32_encode("fo"), "MZXQ");
  EXPECT_EQ(crypto::base32_encode("foo"), "MZXW6");
  EXPECT_EQ(crypto::base32_encode("foob"), "MZXW6YQ");
  EXPECT_EQ(crypto::base32_encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(crypto::base32_encode("foobar"), "MZXW6YTBOI");
}

TEST(CryptoTest, ToHexIsLowercase) {
  EXPECT_EQ(crypto::to_hex(""), "");
  EXPECT_EQ(crypto::to_hex(std::string_view("\x00\xff\x10\xab", 4)), "00ff10ab");
}

// --- credentials --------------------------------------------------------------------------------

namespace {

/// An address of exactly `total` (>= 198) characters: a 64-character local part and a domain
/// of labels no longer than 63.
std::string long_email(std::size_t total) {
  return std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
         std::string(total - 64 - 1 - 63 - 1 - 63 - 1 - 4, 'd') + ".com";
}

std::string cycle(std::string_view pattern, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += pattern[i % pattern.size()];
  return out;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

/// Success when `password` is acceptable as a new password; the failure names its problem.
testing::AssertionResult acceptable(std::string_view password) {
  if (auto problem = credentials::password_problem(password))
    return testing::AssertionFailure() << "refused: " << *problem;
  return testing::AssertionSuccess();
}

} // namespace

TEST(CredentialsTest, NormalisesEmailToLowerCase) {
  EXPECT_EQ(credentials::normalise_email("Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(credentials::normalise_email("first.last+tag@mail.example-host.org"),
            "first.last+tag@mail.example-host.org");
  EXPECT_EQ(credentials::normalise_email("a@b.co"), "a@b.co");
  ASSERT_EQ(long_email(254).size(), 254U);
  EXPECT_EQ(credentials::normalise_email(long_email(254)), long_email(254));
}

TEST(CredentialsTest, RefusesImplausibleEmails) {
  ASSERT_EQ(long_email(255).size(), 255U);
  const std::string refused[] = {"",
                                 "no-at",
                                 "a@b",
                                 "a@@b.com",
                                 "a@b@c.com",
                                 "@b.com",
                                 "a@",
                                 "a b@c.com",
                                 ".a@b.com",
                                 "a.@b.com",
                                 "a..b@c.com",
                                 "a@-b.com",
                                 "a@b-.com",
                                 "a@b..com",
                                 "a@.b.com",
                                 "a@b.com.",
                                 "a@b_c.com",
                                 std::string(65, 'a') + "@b.com",
                                 "a@" + std::string(64, 'b') + ".com",
                                 long_email(255),
                                 "a\x01@b.com",
                                 "a\x7f@b.com",
                                 "<a>@b.com",
                                 "a@b.com\n",
                                 "\"a\"@b.com"};
  for (const auto& text : refused)
    EXPECT_FALSE(credentials::normalise_email(text).has_value()) << text;
}

TEST(CredentialsTest, NormalisesPhonesToE164) {
  EXPECT_EQ(credentials::normalise_phone("+1 (415) 555-2671"), "+14155552671");
  EXPECT_EQ(credentials::normalise_phone("0044 20 7946 0958"), "+442079460958");
  EXPECT_EQ(credentials::normalise_phone("+44.20.7946.0958"), "+442079460958");
  EXPECT_EQ(credentials::normalise_phone("+1234567"), "+1234567");
  EXPECT_EQ(credentials::normalise_phone("+123456789012345"), "+123456789012345");
}

TEST(CredentialsTest, RefusesPhonesWithoutCountryCodeOrWithBadDigits) {
  for (const std::string_view text :
       {"", "+", "4155552671", "0415555267", "+0123456789", "+12", "+123456", "+1234567890123456",
        "+1-415-abc", "1+4155552671", "++14155552671", "+1 415 555 2671 x2", "00", "000123456789"})
    EXPECT_FALSE(credentials::normalise_phone(text).has_value()) << text;
}

TEST(CredentialsTest, PasswordLengthCountsCodePoints) {
  EXPECT_FALSE(acceptable("plumb-wago7"));
  EXPECT_TRUE(acceptable("plumb-wagon7"));
  EXPECT_TRUE(acceptable(cycle("plumb-wagon7", 128)));
  EXPECT_FALSE(acceptable(cycle("plumb-wagon7", 129)));

  const std::string_view e_acute = "\xc3\xa9";
  EXPECT_EQ(credentials::code_points(repeat(e_acute, 12)), 12U);
  EXPECT_TRUE(acceptable(repeat(e_acute, 12)));
  EXPECT_FALSE(acceptable(repeat(e_acute, 11)));
  EXPECT_TRUE(acceptable(repeat(e_acute, 128)));
  EXPECT_FALSE(acceptable(repeat(e_acute, 129)));
}

TEST(CredentialsTest, CountsCodePoints) {
  EXPECT_EQ(credentials::code_points(""), 0U);
  EXPECT_EQ(credentials::code_points("abc"), 3U);
  EXPECT_EQ(credentials::code_points("a\xe2\x82\xac"
                                     "b"),
            3U);
  EXPECT_EQ(credentials::code_points("\xf0\x9f\x98\x80"), 1U);
}

TEST(CredentialsTest, RefusesWeakPasswords) {
  std::string with_nul = "plumb-wagon7";
  with_nul += '\0';
  with_nul += "tail";
  const auto nul_problem = credentials::password_problem(with_nul);
  ASSERT_TRUE(nul_problem.has_value());
  EXPECT_NE(nul_problem->find("NUL"), std::string::npos) << *nul_problem;

  for (const std::string_view weak :
       {"Password1234", "PASSWORD1234", "password1234", "CorrectHorseBatteryStaple", "aaaaaaaaaaaa",
        "zzzzzzzzzzzzzz", "abcdefghijklmnop", "ponmlkjihgfedcba", "3456789:;<=>"})
    EXPECT_FALSE(acceptable(weak)) << weak;

  EXPECT_TRUE(credentials::is_common_password("PassWord1234"));
  EXPECT_FALSE(credentials::is_common_password("plumb-wagon7"));
}

TEST(CredentialsTest, AcceptsReasonablePasswords) {
  for (const std::string_view good :
       {"correct horse battery", "plumb-wagon7", "Tr0ub4dor&3-horse", "abcdefghijkz"})
    EXPECT_TRUE(acceptable(good)) << good;
}

// --- request decoders ---------------------------------------------------------------------------

namespace {

bool has_field(const identity::field_errors& errors, std::string_view field) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const field_error& e) { return e.field == field; });
}

/// Success when `d` holds errors and one of them is on `field`.
template <class T>
testing::AssertionResult fails_on(const identity::decoded<T>& d, std::string_view field) {
  const auto* errors = std::get_if<identity::field_errors>(&d);
  if (errors == nullptr)
    return testing::AssertionFailure() << "decoded without errors";
  if (has_field(*errors, field))
    return testing::AssertionSuccess();
  auto failure = testing::AssertionFailure();
  failure << "no error on \"" << field << "\"; errors:";
  for (const auto& e : *errors)
    failure << " [" << e.field << ": " << e.message << "]";
  return failure;
}

/// Success when `d` holds at least one error.
template <class T>
testing::AssertionResult fails(const identity::decoded<T>& d) {
  const auto* errors = std::get_if<identity::field_errors>(&d);
  if (errors == nullptr || errors->empty())
    return testing::AssertionFailure() << "decoded without errors";
  return testing::AssertionSuccess();
}

/// The errors of `d` as text, to explain a failed decode.
template <class T>
std::string describe(const identity::decoded<T>& d) {
  std::string out;
  if (const auto* errors = std::get_if<identity::field_errors>(&d))
    for (const auto& e : *errors)
      out += "[" + e.field + ": " + e.message + "] ";
  return out;
}

} // namespace

TEST(RequestsTest, RegisterNormalisesIdentifiers) {
  const auto d =
      identity::decode_register(R"({"email":"Alice@Example.COM","password":"plumb-wagon7"})");
  const auto* r = std::get_if<identity::register_request>(&d);
  ASSERT_NE(r, nullptr) << describe(d);
  EXPECT_EQ(r->email, "alice@example.com");
  EXPECT_FALSE(r->phone.has_value());
  EXPECT_EQ(r->password, "plumb-wagon7");
  EXPECT_FALSE(r->name.has_value());
  EXPECT_FALSE(r->cookie_session);

  const auto by_phone = identity::decode_register(
      R"({"phone":"+1 (415) 555-2671","password":"plumb-wagon7","name":"Bob"})");
  const auto* p = std::get_if<identity::register_request>(&by_phone);
  ASSERT_NE(p, nullptr) << describe(by_phone);
  EXPECT_EQ(p->phone, "+14155552671");
  EXPECT_FALSE(p->email.has_value());
  EXPECT_EQ(p->name, "Bob");
}

TEST(RequestsTest, RegisterSessionMode) {
  const auto cookie = identity::decode_register(
      R"({"email":"a@b.com","password":"plumb-wagon7","session":"cookie"})");
  ASSERT_TRUE(std::holds_alternative<identity::register_request>(cookie)) << describe(cookie);
  EXPECT_TRUE(std::get<identity::register_request>(cookie).cookie_session);

  const auto token = identity::decode_register(
      R"({"email":"a@b.com","password":"plumb-wagon7","session":"token"})");
  ASSERT_TRUE(std::holds_alternative<identity::register_request>(token)) << describe(token);
  EXPECT_FALSE(std::get<identity::register_request>(token).cookie_session);

  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"plumb-wagon7","session":"jar"})"),
      "session"));
}

TEST(RequestsTest, RegisterRefusesUnknownFields) {
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"plumb-wagon7","is_admin":true})"),
      "is_admin"));
}

TEST(RequestsTest, RegisterNamesFieldsOfTheWrongType) {
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"email":"a@b.com","password":123456789012})"),
                       "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"email":42,"password":"plumb-wagon7"})"), "email"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"phone":true,"password":"plumb-wagon7"})"), "phone"));
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"plumb-wagon7","name":[]})"),
      "name"));
}

TEST(RequestsTest, RegisterRequiresPasswordAndAnIdentifier) {
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"email":"a@b.com"})"), "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"email":"a@b.com","password":null})"), "password"));
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"password":"plumb-wagon7"})"), "email"));
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":null,"phone":null,"password":"plumb-wagon7"})"),
      "email"));
}

TEST(RequestsTest, RegisterChecksContent) {
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"phone":"12345","password":"plumb-wagon7"})"),
                       "phone"));
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"email":"nope","password":"plumb-wagon7"})"),
                       "email"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"email":"a@b.com","password":"short"})"), "password"));
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"Password1234"})"), "password"));
  EXPECT_TRUE(fails_on(identity::decode_register(
                           R"({"email":"a@b.com","password":"plumb-wagon7","name":"a\u0000b"})"),
                       "name"));
}

TEST(RequestsTest, RegisterBoundsTheName) {
  const auto body = [](std::size_t n) {
    return R"({"email":"a@b.com","password":"plumb-wagon7","name":")" + std::string(n, 'n') + "\"}";
  };
  EXPECT_TRUE(fails_on(identity::decode_register(body(201)), "name"));
  const auto ok = identity::decode_register(body(200));
  ASSERT_TRUE(std::holds_alternative<identity::register_request>(ok)) << describe(ok);
  EXPECT_EQ(std::get<identity::register_request>(ok).name, std::string(200, 'n'));
}

TEST(RequestsTest, RegisterRefusesBodiesThatAreNotObjects) {
  for (const std::string_view body :
       {"", "{", "not json", R"({"email":"a@b.com",})", "[]",
        R"([{"email":"a@b.com","password":"plumb-wagon7"}])", "null", "\"text\"",
        R"({"email":"a@b.com","email":"c@d.com","password":"plumb-wagon7"})"})
    EXPECT_TRUE(fails(identity::decode_register(body))) << body;
}

TEST(RequestsTest, LoginTakesExactlyOneIdentifier) {
  EXPECT_TRUE(fails_on(
      identity::decode_login(R"({"email":"a@b.com","phone":"+14155552671","password":"x"})"),
      "phone"));
  EXPECT_TRUE(fails_on(identity::decode_login(R"({"password":"x"})"), "email"));

  const auto d = identity::decode_login(
      R"({"email":"Bob@Example.com","password":"x","totp":"123456","session":"cookie"})");
  const auto* r = std::get_if<identity::login_request>(&d);
  ASSERT_NE(r, nullptr) << describe(d);
  EXPECT_EQ(r->email, "bob@example.com");
  EXPECT_FALSE(r->phone.has_value());
  EXPECT_EQ(r->password, "x"); // login does not judge the password's strength
  EXPECT_EQ(r->totp, "123456");
  EXPECT_TRUE(r->cookie_session);

  const auto by_phone =
      identity::decode_login(R"({"phone":"0044 20 7946 0958","password":"whatever"})");
  const auto* p = std::get_if<identity::login_request>(&by_phone);
  ASSERT_NE(p, nullptr) << describe(by_phone);
  EXPECT_EQ(p->phone, "+442079460958");
}

TEST(RequestsTest, LoginRequiresPassword) {
  EXPECT_TRUE(fails_on(identity::decode_login(R"({"email":"a@b.com"})"), "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_login(R"({"email":"a@b.com","password":null})"), "password"));
  EXPECT_TRUE(fails_on(identity::decode_login(R"({"email":"a@b.com","password":7})"), "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_login(R"({"email":"a@b.com","password":"x","otp":"1"})"), "otp"));
}

TEST(RequestsTest, RefreshTokenIsOptional) {
  for (const std::string_view empty : {"", "  \n", "{}"}) {
    const auto d = identity::decode_refresh(empty);
    ASSERT_TRUE(std::holds_alternative<std::string>(d)) << describe(d);
    EXPECT_EQ(std::get<std::string>(d), "");
  }
  const auto d = identity::decode_refresh(R"({"refresh_token":"x"})");
  ASSERT_TRUE(std::holds_alternative<std::string>(d)) << describe(d);
  EXPECT_EQ(std::get<std::string>(d), "x");

  EXPECT_TRUE(fails_on(identity::decode_refresh(R"({"refresh_token":5})"), "refresh_token"));
  EXPECT_TRUE(fails_on(identity::decode_refresh(R"({"token":"x"})"), "token"));
  EXPECT_TRUE(fails(identity::decode_refresh("[]")));
}

TEST(RequestsTest, ProfilePatchDistinguishesNullFromAbsent) {
  const auto clear = identity::decode_profile_patch(R"({"name":null})");
  const auto* c = std::get_if<identity::profile_patch>(&clear);
  ASSERT_NE(c, nullptr) << describe(clear);
  EXPECT_TRUE(c->set_name);
  EXPECT_FALSE(c->name.has_value());

  const auto none = identity::decode_profile_patch("{}");
  const auto* n = std::get_if<identity::profile_patch>(&none);
  ASSERT_NE(n, nullptr) << describe(none);
  EXPECT_FALSE(n->set_name);

  const auto set = identity::decode_profile_patch(R"({"name":"Carol"})");
  const auto* s = std::get_if<identity::profile_patch>(&set);
  ASSERT_NE(s, nullptr) << describe(set);
  EXPECT_TRUE(s->set_name);
  EXPECT_EQ(s->name, "Carol");

  EXPECT_TRUE(fails_on(identity::decode_profile_patch(R"({"name":5})"), "name"));
  EXPECT_TRUE(fails_on(identity::decode_profile_patch(R"({"email":"a@b.com"})"), "email"));
}

TEST(RequestsTest, PasswordChangeChecksTheNewPassword) {
  EXPECT_TRUE(fails_on(
      identity::decode_password_change(R"({"current_password":"old-one","new_password":"short"})"),
      "new_password"));
  EXPECT_TRUE(fails_on(identity::decode_password_change(
                           R"({"current_password":"old-one","new_password":"aaaaaaaaaaaaaa"})"),
                       "new_password"));
  EXPECT_TRUE(fails_on(identity::decode_password_change(R"({"current_password":"old-one"})"),
                       "new_password"));
  EXPECT_TRUE(fails_on(identity::decode_password_change(R"({"new_password":"plumb-wagon7"})"),
                       "current_password"));

  const auto d = identity::decode_password_change(
      R"({"current_password":"old-one","new_password":"plumb-wagon7"})");
  const auto* r = std::get_if<identity::password_change_request>(&d);
  ASSERT_NE(r, nullptr) << describe(d);
  EXPECT_EQ(r->current_password, "old-one");
  EXPECT_EQ(r->new_password, "plumb-wagon7");
}

// --- revocations and cookies --------------------------------------------------------------------

TEST(RevocationListTest, RevokedUntilExpiry) {
  revocation_list list;
  list.revoke("jti-1", 1000);
  EXPECT_TRUE(list.is_revoked("jti-1", 999));
  EXPECT_FALSE(list.is_revoked("jti-1", 1000));
  EXPECT_FALSE(list.is_revoked("jti-1", 1001));
  EXPECT_FALSE(list.is_revoked("jti-2", 999));

  // A later revocation extends; an earlier one does not shorten.
  list.revoke("jti-1", 2000);
  list.revoke("jti-1", 1500);
  EXPECT_TRUE(list.is_revoked("jti-1", 1800));
}

TEST(RevocationListTest, MergeAddsAndDropsExpired) {
  revocation_list list;
  list.revoke("old", 100);
  list.revoke("kept", 500);
  list.merge({{"new", 300}, {"stale", 50}, {"kept", 200}}, 150);
  EXPECT_EQ(list.size(), 2U);
  EXPECT_FALSE(list.is_revoked("old", 99)); // forgotten, not merely past
  EXPECT_TRUE(list.is_revoked("new", 150));
  EXPECT_FALSE(list.is_revoked("stale", 40));
  EXPECT_TRUE(list.is_revoked("kept", 400));
}

TEST(RevocationListTest, EmptyIdIsNeverRevoked) {
  revocation_list list;
  list.revoke("", 9'999'999'999);
  EXPECT_FALSE(list.is_revoked("", 0));
}

TEST(CookieTest, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("a=1; gh_access=xyz; b=2", "gh_access"), "xyz");
  EXPECT_EQ(cookie_value("gh_access=xyz", "gh_access"), "xyz");
  EXPECT_EQ(cookie_value("a=1;gh_access = xyz ;b=2", "gh_access"), "xyz");
  EXPECT_EQ(cookie_value("a=1; b=2", "gh_access"), "");
  EXPECT_EQ(cookie_value("", "gh_access"), "");
  EXPECT_EQ(cookie_value("flag; gh_access=v", "gh_access"), "v");
  EXPECT_EQ(cookie_value("gh_access=\"quoted\"", "gh_access"), "quoted");
  EXPECT_EQ(cookie_value("gh_access=a=b", "gh_access"), "a=b");
}

TEST(CookieTest, PrefixOfAnotherNameDoesNotMatch) {
  EXPECT_EQ(cookie_value("gh_access_x=1", "gh_access"), "");
  EXPECT_EQ(cookie_value("gh_access_x=1; gh_access=real", "gh_access"), "real");
  EXPECT_EQ(cookie_value("xgh_access=1", "gh_access"), "");
  EXPECT_EQ(cookie_value("__Host-gh_access=1", "gh_access"), "");
  EXPECT_EQ(cookie_value("__Host-gh_access=1", "__Host-gh_access"), "1");
}

TEST(CookieTest, ProductionNamesUseHostPrefix) {
  EXPECT_EQ(cookie_names::for_production(false).access, "gh_access");
  const auto prod = cookie_names::for_production(true);
  EXPECT_EQ(prod.access, "__Host-gh_access");
  EXPECT_EQ(prod.refresh, "__Host-gh_refresh");
  EXPECT_EQ(prod.csrf, "__Host-gh_csrf");
}

// --- password hashing ---------------------------------------------------------------------------

namespace {

const credentials::argon2_params fast{1024, 1, 1};

} // namespace

TEST(PasswordHashTest, HashThenVerify) {
  const auto hash = credentials::hash_password("plumb-wagon7", fast);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << hash;
  EXPECT_TRUE(credentials::verify_password(hash, "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(hash, "plumb-wagon8"));
  EXPECT_FALSE(credentials::verify_password(hash, "Plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(hash, ""));
}

TEST(PasswordHashTest, SaltMakesEveryHashDifferent) {
  const auto a = credentials::hash_password("plumb-wagon7", fast);
  const auto b = credentials::hash_password("plumb-wagon7", fast);
  EXPECT_NE(a, b);
  EXPECT_TRUE(credentials::verify_password(a, "plumb-wagon7"));
  EXPECT_TRUE(credentials::verify_password(b, "plumb-wagon7"));
}

TEST(PasswordHashTest, MalformedHashesNeverVerify) {
  const auto hash = credentials::hash_password("plumb-wagon7", fast);
  auto argon2i = hash;
  argon2i.replace(0, std::string_view("$argon2id$").size(), "$argon2i$");
  EXPECT_FALSE(credentials::verify_password(argon2i, "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password("garbage", "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password("", "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password("$argon2id$", "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(hash.substr(0, hash.size() - 5), "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(flip_char(hash, hash.size() - 5), "plumb-wagon7"));
}

TEST(PasswordHashTest, DummyHashUsesDefaultCost) {
  const auto& dummy = credentials::dummy_hash();
  EXPECT_TRUE(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << dummy;
  EXPECT_FALSE(credentials::verify_password(dummy, "plumb-wagon7"));
  EXPECT_EQ(&credentials::dummy_hash(), &dummy);
}
