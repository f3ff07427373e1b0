#pragma once

#include <cstddef>
#include <string_view>

namespace gh::test {

/// True when `text` is non-empty and every character of it is in `alphabet`. (Tests check
/// shapes with this instead of std::regex, whose GCC 12 headers fail -Werror under ASan.)
inline bool only_of(std::string_view text, std::string_view alphabet) {
  return !text.empty() && text.find_first_not_of(alphabet) == std::string_view::npos;
}

inline constexpr std::string_view base32_upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view base32_lower = "abcdefghijklmnopqrstuvwxyz234567";
inline constexpr std::string_view base64url_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// True for an RFC 3339 UTC timestamp with seconds, like `2026-11-23T17:24:30Z`.
inline bool is_rfc3339_utc(std::string_view t) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != shape.size())
    return false;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
      return false;
  return true;
}

} // namespace gh::test
