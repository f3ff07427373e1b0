#pragma once

#include "actors/console/command_registry.hpp"
#include "actors/metrics.hpp"
#include "messages/http.hpp"
#include "messages/ws.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace gh::console {

/// What the console actor works with.
struct console_options {
  /// The commands; filled once every module is installed and read-only from then on (the
  /// actor reads it only for frames and requests, which arrive after serving started).
  std::shared_ptr<const command_registry> commands;
  /// Commands one WebSocket (or one user over REST) may have running at once; more are 429.
  std::size_t max_in_flight = 8;
  /// Time a command has to answer before the console answers 503 for it.
  std::chrono::milliseconds deadline{30000};
  metrics* stats = nullptr;
};

/// The console actor (API.md "Real-time console"): answers the frames of `GET /api/v1/ws`
/// (`ws_frame`) and `POST /api/v1/console` (`http_request`) by decoding them, resolving the
/// command against the registry and calling its handler with a reply that goes back to the
/// socket as `{"id", "ok", "result" | "error"}` (REST: the same object, status 200). Every
/// failure is a problem in the reply; nothing a client sends closes its socket.
caf::actor spawn_console(caf::actor_system& sys, console_options options);

} // namespace gh::console
