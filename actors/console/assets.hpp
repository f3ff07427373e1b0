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

/// The answer for `path`: the page at `/` and `/reset-password` (the link of reset emails),
/// revalidated on every load; hashed assets cached for a year, immutable; nothing otherwise.
std::optional<http_response> asset_response(std::string_view path);

/// The actor serving `GET /`, `GET /reset-password` and `GET /assets/{name}`.
http_handler_actor spawn_assets(caf::actor_system& sys);

} // namespace gh::console
