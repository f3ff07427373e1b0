#pragma once

#include <string>
#include <string_view>
#include <vector>

/// The scope rules of admin API keys: plain functions, so decoders and fuzz targets use them
/// without the key check itself (`api_keys.hpp`).
namespace gh::api_keys {

/// The scopes an API key may carry: `keys`, `users:read`, `users:write`, `audit:read`,
/// `plans:write`, `payments:refund`, `files:read`, `webhooks:read`, `webhooks:write` (which
/// grants `webhooks:read` too), and `*` (every scope, present and future).
const std::vector<std::string_view>& known_scopes();

/// True when `scope` is one of `known_scopes()`.
bool is_known_scope(std::string_view scope) noexcept;

/// True when a key holding `held` may do what needs `needed` (`*` grants everything).
bool grants(const std::vector<std::string>& held, std::string_view needed) noexcept;

/// True when `held` grants every scope of `wanted`, so a key may hand `wanted` on.
bool covers(const std::vector<std::string>& held, const std::vector<std::string>& wanted) noexcept;

/// Splits the comma-separated scope list PostgreSQL returns (`array_to_string(scopes, ',')`).
std::vector<std::string> split_scopes(std::string_view text);

} // namespace gh::api_keys
