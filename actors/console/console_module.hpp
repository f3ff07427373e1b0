#pragma once

#include "actors/app.hpp"

/// The real-time console (API.md "Real-time console"): the web page at `/` and its assets, the
/// console actor answering the frames of `GET /api/v1/ws` and `POST /api/v1/console`, and the
/// command registry every capability adds its commands to (`app::add_command`).
namespace gh::console {

/// Spawns the console and asset actors, registers the routes and `/help`, and reads every
/// module's commands into the registry (those of modules installed later at start).
void install(app& a);

} // namespace gh::console
