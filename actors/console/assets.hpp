#pragma once

#include "messages/http.hpp"

#include <caf/actor_system.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::console {

/// One file of the web console as compiled into the binary.
struct web_asset {
  std::string_view path; ///< `/` or `/assets/<stem>.<hash>.<ext>`
  std::string_view content_type;
  bool immutable = false; ///< named by its content hash: cacheable for good
  std::string_view body;
};

/// The console's files (generated at build time from `actors/console/web/`).
const std::vector<web_asset>& embedded_assets();

/// The Content-Security-Policy of the console's page: its own scripts, styles, images and
/// WebSocket only; nothing inline, nothing from any other origin.
inline constexpr std::string_view page_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Where `index.html` takes the sign-in links of the OpenID providers.
inline constexpr std::string_view providers_marker = "{{oidc-providers}}";

/// `page` (the embedded `index.html`) with a "Continue with <name>" link per provider in
/// `providers` (configured names, HTML-escaped) to `/api/v1/auth/oidc/<name>/login?redirect=/`
/// in place of `providers_marker`; nothing there when the list is empty.
std::string render_page(std::string_view page, const std::vector<std::string>& providers);

/// The answer for `path`: `page` (see `render_page`) at `/` and `/reset-password` (the link of
/// reset emails), revalidated on every load, so a restart with other providers shows at once;
/// hashed assets cached for a year, immutable; nothing otherwise.
std::optional<http_response> asset_response(std::string_view path, std::string_view page);

/// `asset_response` with the page of no providers.
std::optional<http_response> asset_response(std::string_view path);

/// The actor serving `GET /`, `GET /reset-password` and `GET /assets/{name}`, the page with the
/// sign-in links of `providers`, rendered once here.
http_handler_actor spawn_assets(caf::actor_system& sys, const std::vector<std::string>& providers);

} // namespace gh::console
