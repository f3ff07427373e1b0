#pragma once

#include "actors/app.hpp"

/// Outbound webhooks (API.md "Outbound webhooks"): endpoints operators register, the consumers
/// that turn events into deliveries, and the worker that sends them, signed, with retries.
namespace gh::webhooks {

/// Spawns the admin actor and registers its routes and docs, the fan-out consumers, the delivery
/// worker (started with the pipeline) and the delivery metrics.
void install(app& a);

} // namespace gh::webhooks
