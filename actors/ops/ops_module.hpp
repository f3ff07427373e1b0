#pragma once

#include "actors/app.hpp"

/// Ops (API.md "Ops"): `/healthz`, `/readyz`, `/metrics`, and the `gatehouse.ops.health`,
/// `gatehouse.ops.stats`, `gatehouse.ops.instances` and `gatehouse.ops.instance.<id>.drain`
/// endpoints of the NATS micro-service (README "Operating over NATS").
namespace gh::ops {

/// Spawns the ops actor and registers its routes and NATS endpoints.
void install(app& a);

} // namespace gh::ops
