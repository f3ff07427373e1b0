#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps) and the recovery
/// codes that stand in for them.
namespace gh::totp {

/// Length of a TOTP secret in bytes (160 bits, RFC 4226's recommendation).
constexpr std::size_t secret_bytes = 20;

/// The step that `unix_time` falls in.
constexpr int64_t step_of(int64_t unix_time) noexcept {
  return unix_time / 30;
}

/// The 6-digit code of `key` (raw secret bytes) for `step`.
std::string code_for_step(std::string_view key, int64_t step);

/// The 6-digit code of `key` at `unix_time`.
inline std::string code_at(std::string_view key, int64_t unix_time) {
  return code_for_step(key, step_of(unix_time));
}

/// The step whose code `code` is, searched in the current step ±1 and only among steps later
/// than `last_used_step` (so a code works once); empty when none matches. Compares in constant
/// time.
std::optional<int64_t> match(std::string_view key, std::string_view code, int64_t unix_time,
                             int64_t last_used_step);

/// `otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...` for authenticator apps.
std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view base32_secret);

/// A new recovery code: 15 characters of the base32 alphabet in three groups (`abcde-fghij-klmno`,
/// 75 bits), lower case.
std::string new_recovery_code();

/// A recovery code as typed (any case, with or without hyphens and spaces) in the form it is
/// hashed in: lower case, no separators. Empty when it cannot be one.
std::optional<std::string> normalise_recovery_code(std::string_view text);

} // namespace gh::totp
