#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gh::stripe {

/// The outcome of checking a `Stripe-Signature` header.
enum class signature_check {
  valid,
  missing,   ///< No header.
  malformed, ///< Not `t=<unix seconds>,v1=<hex>[,...]`, or no `v1` value.
  stale,     ///< The timestamp is further from now than the tolerance.
  mismatch,  ///< No `v1` value is the HMAC of the payload under any of the secrets.
};

/// Checks `header` against `payload` the way Stripe signs webhooks: HMAC-SHA256, keyed with the
/// endpoint secret (`whsec_...`, all of it), over `<t>.<payload>`, hex-encoded; every `v1` value
/// in the header is tried against every secret (several during a rotation), compared in
/// constant time; `t` must be within `tolerance_seconds` of `now`. Other schemes (`v0`) are
/// ignored.
signature_check check_signature(std::string_view header, std::string_view payload,
                                const std::vector<std::string>& secrets, int64_t now,
                                int64_t tolerance_seconds = 300);

/// Why `check` failed, for the problem's detail (never the expected signature).
std::string_view describe(signature_check check) noexcept;

} // namespace gh::stripe
