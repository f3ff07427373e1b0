#pragma once

#include "actors/app.hpp"

/// The real-time console (API.md "Real-time console"): the actor answering the frames of
/// `GET /api/v1/ws`.
namespace gh::console {

/// Spawns the console actor and hands it to the WebSocket front.
void install(app& a);

} // namespace gh::console
