#pragma once

#include "providers/oidc/jwks.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gh::oidc {

/// Largest provider token looked at; longer ones are refused before any decoding.
inline constexpr std::size_t max_provider_token_bytes = std::size_t{16} * 1024;

/// A compact JWS whose signature checked against a provider's keys.
struct verified_jws {
  std::string alg; ///< One of RS256, PS256, ES256, EdDSA.
  std::string kid; ///< Empty when the header had none.
  std::string typ; ///< Empty when the header had none.
  boost::json::object payload;
};

/// Why a signature check failed.
enum class jws_failure {
  malformed,       ///< Not three base64url parts of JSON objects, too large, or `crit` present.
  unsupported_alg, ///< `alg` outside the allow-list (`none` and HS* included).
  unknown_kid,     ///< No key with the token's `kid`: refetching the JWKS may help.
  no_key,          ///< Keys exist but none fits the algorithm (or no kid and not exactly one).
  bad_signature,
};

/// A refused token: what went wrong and a short text safe to log (never the token).
struct jws_error {
  jws_failure failure = jws_failure::malformed;
  std::string reason;

  bool unknown_kid() const noexcept { return failure == jws_failure::unknown_kid; }
};

/// Verifies compact JWS `token` against `keys`.
///
/// `alg` must be RS256, PS256, ES256 or EdDSA; the key's type must fit it (RSA, EC P-256,
/// Ed25519) and the key's own `alg`, when it has one, must equal it, so no header can make a
/// public key act as an HMAC secret. A `crit` header is refused. With a `kid` the keys of
/// that id are tried; without one, only when exactly one key fits the algorithm. ES256
/// signatures are JOSE's 64-byte `r || s`. Keys come from `keys` only: `jwk`, `jku`, `x5u` and
/// `x5c` headers are ignored. The payload is parsed only once the signature checks.
std::variant<verified_jws, jws_error> verify_jws(std::string_view token, const jwk_set& keys);

/// What a provider's token must say to be accepted.
struct token_expectations {
  std::string issuer;    ///< Compared byte for byte with `iss`.
  std::string client_id; ///< Our client id at the provider.
  int64_t now = 0;       ///< Unix seconds.
  std::chrono::seconds leeway{60};
  /// The nonce sent with the authorization request (ID tokens from a login); nullopt when none
  /// is expected (an ID token presented as a bearer).
  std::optional<std::string> nonce;
};

/// The claims the caller needs of a verified provider token.
struct provider_claims {
  std::string sub;
  std::string email;
  /// True only for a JSON `true` (or Cognito's older string `"true"`).
  bool email_verified = false;
  std::string name;
  std::string phone_number;
  int64_t exp = 0;
};

/// A claim check that failed; the text names the claim and is safe to show.
struct claims_error {
  std::string reason;
};

/// Checks an ID token (OIDC Core 3.1.3.7): `iss` exact, `aud` (string or array) contains the
/// client id, `azp` equal to it when present and required when `aud` has several entries,
/// `exp` not passed and `iat` present and not in the future (both with the leeway), `nbf` if
/// present, `nonce` equal when expected (constant time), Cognito's `token_use` if present
/// `"id"`, and `typ` not an access token's.
std::variant<provider_claims, claims_error> check_id_token(const verified_jws& token,
                                                           const token_expectations& expect);

/// Checks an access token: an RFC 9068 JWT (`typ` `at+jwt` or `application/at+jwt`, `aud`
/// containing the client id) or a Cognito one (`token_use` `"access"`, `client_id` equal to
/// the client id, no `aud` needed); `iss` exact, `exp`, `iat` and `nbf` as for ID tokens.
/// `nonce` in `expect` is ignored.
std::variant<provider_claims, claims_error> check_access_token(const verified_jws& token,
                                                               const token_expectations& expect);

} // namespace gh::oidc
