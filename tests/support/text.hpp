#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

/// The values of every `name="..."` attribute in `html`, in order, for each of `names`.
inline std::vector<std::string> attribute_values(std::string_view html,
                                                 std::initializer_list<std::string_view> names) {
  std::vector<std::pair<std::size_t, std::string>> found;
  for (auto name : names) {
    const std::string needle = std::string{name} + "=\"";
    for (auto at = html.find(needle); at != std::string_view::npos;
         at = html.find(needle, at + 1)) {
      // Only a whole attribute name: `data-src="` is not `src="`.
      if (at > 0 && html[at - 1] != ' ' && html[at - 1] != '\n' && html[at - 1] != '\t')
        continue;
      const auto start = at + needle.size();
      const auto end = html.find('"', start);
      if (end == std::string_view::npos)
        break;
      found.emplace_back(at, std::string{html.substr(start, end - start)});
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> values;
  for (auto& [at, value] : found)
    values.push_back(std::move(value));
  return values;
}

/// The value of the `name` cookie in a raw HTTP response's `Set-Cookie` headers, if set.
inline std::optional<std::string> set_cookie_value(std::string_view response,
                                                   std::string_view name) {
  const std::string needle = "Set-Cookie: " + std::string{name} + "=";
  const auto at = response.find(needle);
  if (at == std::string_view::npos)
    return std::nullopt;
  const auto start = at + needle.size();
  const auto end = response.find_first_of(";\r\n", start);
  if (end == std::string_view::npos)
    return std::nullopt;
  return std::string{response.substr(start, end - start)};
}

/// How many times `needle` occurs in `haystack`, overlapping occurrences included.
inline int count_of(std::string_view haystack, std::string_view needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

} // namespace gh::test
