#include "actors/federation/fusionauth_signature.hpp"

#include "crypto/crypto.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <optional>
#include <variant>

namespace gh::federation {

namespace {

constexpr std::size_t hs256_bytes = 32;

// A segment's JSON: FusionAuth's header and claims are a handful of short members.
std::optional<boost::json::object> jws_segment_object(std::string_view segment) {
  const auto bytes = crypto::base64url_decode(segment);
  if (!bytes)
    return std::nullopt;
  auto parsed = parse_untrusted_json(*bytes, json_limits{max_fusionauth_jwt_bytes, 4});
  auto* value = std::get_if<boost::json::value>(&parsed);
  if (value == nullptr || !value->is_object())
    return std::nullopt;
  return std::move(value->as_object());
}

// A numeric date claim: absent, a whole number of seconds, or wrong (a string, a fraction).
enum class date_claim { absent, number, wrong };

date_claim numeric_date(const boost::json::object& claims, std::string_view name,
                        int64_t& out) noexcept {
  const auto* v = claims.if_contains(name);
  if (v == nullptr)
    return date_claim::absent;
  if (const auto* i = v->if_int64()) {
    out = *i;
    return date_claim::number;
  }
  if (const auto* u = v->if_uint64()) {
    out = static_cast<int64_t>(std::min<uint64_t>(*u, INT64_MAX));
    return date_claim::number;
  }
  return date_claim::wrong;
}

// a - b, saturated instead of overflowing (claims are numbers an outsider chose).
int64_t saturating_difference(int64_t a, int64_t b) noexcept {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r))
    return b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

} // namespace

fusionauth_check check_fusionauth_signature(std::string_view jwt, std::string_view body,
                                            std::string_view key, int64_t now,
                                            std::chrono::seconds leeway) {
  if (jwt.empty())
    return fusionauth_check::missing;
  if (jwt.size() > max_fusionauth_jwt_bytes)
    return fusionauth_check::malformed;
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
    return fusionauth_check::malformed;

  // 1. The header: HS256 and nothing that would change how the token is read.
  const auto header = jws_segment_object(jwt.substr(0, dot1));
  if (!header)
    return fusionauth_check::malformed;
  const auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256")
    return fusionauth_check::algorithm;
  if (header->contains("crit"))
    return fusionauth_check::algorithm;
  if (const auto* typ = header->if_contains("typ");
      typ != nullptr && (!typ->is_string() || typ->get_string() != "JWT"))
    return fusionauth_check::algorithm;

  // 2. The signature, before any claim is believed.
  const auto signature = crypto::base64url_decode(jwt.substr(dot2 + 1));
  if (!signature || signature->size() != hs256_bytes)
    return fusionauth_check::malformed;
  if (key.empty())
    return fusionauth_check::mismatch;
  const auto expected = crypto::hmac_sha256(key, jwt.substr(0, dot2));
  if (!crypto::constant_time_equal(expected, *signature))
    return fusionauth_check::mismatch;

  // 3. The claims: the time window if given, then the body hash.
  const auto claims = jws_segment_object(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims)
    return fusionauth_check::malformed;
  const auto slack = std::clamp<int64_t>(leeway.count(), 0, 86400);
  int64_t exp = 0;
  int64_t nbf = 0;
  const auto has_exp = numeric_date(*claims, "exp", exp);
  const auto has_nbf = numeric_date(*claims, "nbf", nbf);
  if (has_exp == date_claim::wrong || has_nbf == date_claim::wrong)
    return fusionauth_check::malformed;
  if (has_exp == date_claim::number && saturating_difference(now, exp) >= slack)
    return fusionauth_check::expired;
  if (has_nbf == date_claim::number && saturating_difference(nbf, now) > slack)
    return fusionauth_check::expired;
  const auto* hash = claims->if_contains("request_body_sha256");
  if (hash == nullptr || !hash->is_string())
    return fusionauth_check::no_body_hash;
  const auto actual = crypto::base64_encode(crypto::sha256(body));
  const auto& claimed = hash->get_string();
  if (!crypto::constant_time_equal(actual, std::string_view{claimed.data(), claimed.size()}))
    return fusionauth_check::body_mismatch;
  return fusionauth_check::valid;
}

std::string_view describe(fusionauth_check check) noexcept {
  switch (check) {
  case fusionauth_check::valid:
    return "valid";
  case fusionauth_check::missing:
    return "the X-FusionAuth-Signature-JWT header is missing";
  case fusionauth_check::malformed:
    return "the X-FusionAuth-Signature-JWT header is not a well-formed JWT";
  case fusionauth_check::algorithm:
    return "the X-FusionAuth-Signature-JWT header is not an HS256 JWT";
  case fusionauth_check::mismatch:
    return "the X-FusionAuth-Signature-JWT signature does not match the webhook secret";
  case fusionauth_check::expired:
    return "the X-FusionAuth-Signature-JWT has expired or is not valid yet";
  case fusionauth_check::no_body_hash:
    return "the X-FusionAuth-Signature-JWT has no request_body_sha256 claim";
  case fusionauth_check::body_mismatch:
    return "the body does not match the request_body_sha256 of X-FusionAuth-Signature-JWT";
  }
  return "invalid";
}

} // namespace gh::federation
