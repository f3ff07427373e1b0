#pragma once

#include <optional>
#include <string>
#include <string_view>

/// Rules for what users type: identifiers and passwords.
namespace gh::credentials {

/// An email address normalised for storage and lookup (lower case), or empty when it is not a
/// plausible address: one `@`, a 1–64 character local part, a dotted domain of letters, digits
/// and hyphens, at most 254 characters, no spaces or control characters.
std::optional<std::string> normalise_email(std::string_view text);

/// A phone number in E.164 (`+` then 7–15 digits, no leading zero), or empty. Spaces, dots,
/// hyphens and parentheses are dropped and a leading `00` counts as `+`; a number without its
/// country code is refused rather than guessed.
std::optional<std::string> normalise_phone(std::string_view text);

/// Why a new password is refused, or empty when it is acceptable: 12 to 128 characters
/// (Unicode code points), no NUL, not in the bundled list of common breached passwords, not one
/// repeated character or a plain run like `abcdefghijkl`. No composition rules (NIST 800-63B).
std::optional<std::string> password_problem(std::string_view password);

/// Number of Unicode code points in valid UTF-8 `text`.
std::size_t code_points(std::string_view text) noexcept;

/// True when `password`, lower-cased, is in the bundled list of common breached passwords.
bool is_common_password(std::string_view password);

} // namespace gh::credentials
