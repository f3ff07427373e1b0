#pragma once

#include "actors/addresses.hpp"

#include <optional>
#include <string>
#include <string_view>

/// Rules for what users type: identifiers and passwords.
namespace gh::credentials {

using addresses::nfkc;
using addresses::normalise_email;

/// A phone number in E.164 (`+` then 7–15 digits, no leading zero) that libphonenumber holds
/// valid (a country calling code that exists, a number of an assigned range), or empty. Spaces,
/// dots, hyphens and parentheses are dropped and a leading `00` counts as `+`; a number without
/// its country code is refused rather than guessed.
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
