#include "actors/key_scopes.hpp"

#include <algorithm>

namespace gh::api_keys {

const std::vector<std::string_view>& known_scopes() {
  static const std::vector<std::string_view> scopes{"keys",           "users:read",
                                                    "users:write",    "audit:read",
                                                    "plans:write",    "payments:refund",
                                                    "files:read",     "webhooks:read",
                                                    "webhooks:write", "*"};
  return scopes;
}

bool is_known_scope(std::string_view scope) noexcept {
  const auto& all = known_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

bool grants(const std::vector<std::string>& held, std::string_view needed) noexcept {
  // `webhooks:write` also reads what it writes.
  return std::any_of(held.begin(), held.end(), [needed](const std::string& s) {
    return s == "*" || s == needed || (needed == "webhooks:read" && s == "webhooks:write");
  });
}

bool covers(const std::vector<std::string>& held, const std::vector<std::string>& wanted) noexcept {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&held](const std::string& s) { return grants(held, s); });
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (const auto part = text.substr(0, comma); !part.empty())
      out.emplace_back(part);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

} // namespace gh::api_keys
