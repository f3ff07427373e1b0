#pragma once

#include "actors/metrics.hpp"
#include "messages/ws.hpp"

#include <caf/actor_system.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace gh {

/// The console's answer to one text frame: the frame itself when it is a well-formed JSON
/// object (echo, until commands arrive with the console issue), otherwise an error frame
/// `{"id"?, "ok": false, "error": {problem}}`.
std::string console_reply(std::string_view frame, std::size_t max_bytes);

/// Answers console frames through each connection's sink.
console_actor spawn_console(caf::actor_system& sys, std::size_t max_frame_bytes, metrics* stats);

} // namespace gh
