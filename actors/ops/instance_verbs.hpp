#pragma once

#include "actors/app.hpp"
#include "persistence/service_endpoint.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gh::ops {

/// The subject of the drain verb of instance `id`: `gatehouse.ops.instance.<id>.drain`.
std::string drain_subject(std::string_view id);

/// The per-instance verbs of this process: `gatehouse.ops.instances` (fan-out: every instance
/// answers with `instance_json`) and `gatehouse.ops.instance.<id>.drain` (this instance only;
/// see `drain`). `started` is when the process started (RFC 3339).
std::vector<nats::endpoint> instance_endpoints(app& a, std::string started);

/// Drains this process: marks it draining (`/readyz` 503, no new WebSocket), has the registry
/// refuse new per-user actors and stop those idle for `body`'s `idle_seconds`, and answers what
/// it did. Blocking (it waits for the registry, at most 5 s): a NATS delivery thread calls it.
nats::endpoint_reply drain(app& a, std::string_view started, std::string_view body);

} // namespace gh::ops
