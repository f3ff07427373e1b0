#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gh::federation {

/// Longest `X-FusionAuth-Signature-JWT` header accepted before any parsing.
inline constexpr std::size_t max_fusionauth_jwt_bytes = 4096;

/// The outcome of checking FusionAuth's `X-FusionAuth-Signature-JWT` header.
enum class fusionauth_check {
  valid,
  missing,       ///< No header.
  malformed,     ///< Not a compact JWS of three base64url parts with JSON objects, or too long.
  algorithm,     ///< The header's `alg` is not exactly `HS256` (`none`, `RS256`, ... refused),
                 ///< or it names `crit` parameters or a `typ` other than `JWT`.
  mismatch,      ///< The HMAC-SHA256 of the token under the key is not its signature.
  expired,       ///< The token has an `exp` claim in the past (or an `nbf` in the future).
  no_body_hash,  ///< The verified token has no string `request_body_sha256` claim.
  body_mismatch, ///< `request_body_sha256` is not the base64 SHA-256 of the body received.
};

/// Checks a FusionAuth webhook signature: `jwt` is the `X-FusionAuth-Signature-JWT` header, an
/// HS256 JWT keyed with `key` (the bytes of the webhook secret as configured in FusionAuth's Key
/// Master, used as they are) whose `request_body_sha256` claim is the base64 (RFC 4648 §4, padded)
/// SHA-256 of the raw `body`. The algorithm is fixed here, never chosen by the token; the `kid`
/// FusionAuth puts in the header is ignored (one secret per provider). `exp` and `nbf`, when
/// present, must be numbers and hold at `now` (Unix seconds) within `leeway`. The signature and
/// the body hash are compared in constant time; the claims are read only once the signature
/// holds. An empty `key` verifies nothing.
fusionauth_check check_fusionauth_signature(std::string_view jwt, std::string_view body,
                                            std::string_view key, int64_t now,
                                            std::chrono::seconds leeway = std::chrono::seconds{30});

/// Why `check` refused a webhook, for the problem's detail; never echoes the token.
std::string_view describe(fusionauth_check check) noexcept;

} // namespace gh::federation
