#include "actors/webhooks/event_patterns.hpp"

#include <algorithm>
#include <array>

namespace gh::webhooks {

namespace {

bool token_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string_view first_token(std::string_view text) noexcept {
  return text.substr(0, text.find('.'));
}

} // namespace

bool deliverable(std::string_view type) noexcept {
  static constexpr std::array<std::string_view, 4> internal{"email", "stripe", "idp", "dlq"};
  const auto first = first_token(type);
  return std::find(internal.begin(), internal.end(), first) == internal.end();
}

std::optional<std::string> pattern_problem(std::string_view pattern) {
  if (pattern.empty())
    return "is empty";
  if (pattern.size() > max_pattern_chars)
    return "is longer than " + std::to_string(max_pattern_chars) + " characters";
  if (pattern == "*")
    return std::nullopt;
  std::string_view rest = pattern;
  while (true) {
    const auto dot = rest.find('.');
    const auto token = rest.substr(0, dot);
    const bool last = dot == std::string_view::npos;
    if (token.empty())
      return "has an empty token (tokens are separated by single dots)";
    if (token == "*") {
      if (!last)
        return "may hold '*' only as its last token";
      if (rest.size() == pattern.size())
        return "needs a prefix before '.*'";
    } else if (!std::all_of(token.begin(), token.end(), token_char)) {
      return "may hold only a-z, 0-9, '_', '-', '.' and a final '*'";
    }
    if (last)
      break;
    rest.remove_prefix(dot + 1);
  }
  if (!deliverable(pattern))
    return "names events Gatehouse does not deliver (email, stripe, idp, dlq)";
  return std::nullopt;
}

bool matches(std::string_view pattern, std::string_view type) noexcept {
  if (pattern == "*")
    return true;
  if (pattern.size() >= 2 && pattern.ends_with(".*")) {
    const auto prefix = pattern.substr(0, pattern.size() - 1); // keeps the dot
    return type.size() > prefix.size() && type.starts_with(prefix);
  }
  return pattern == type;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view type) noexcept {
  return std::any_of(patterns.begin(), patterns.end(),
                     [type](const std::string& p) { return matches(p, type); });
}

} // namespace gh::webhooks
