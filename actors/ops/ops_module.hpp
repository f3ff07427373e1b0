#pragma once

#include "actors/app.hpp"

/// Ops (API.md "Ops"): `/healthz`, `/readyz`, `/metrics`, and the `gatehouse.ops.health` and
/// `gatehouse.ops.stats` endpoints of the NATS micro-service.
namespace gh::ops {

/// Spawns the ops actor and registers its routes and NATS endpoints.
void install(app& a);

} // namespace gh::ops
