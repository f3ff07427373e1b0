#pragma once

#include "actors/drain_state.hpp"
#include "actors/event_stats.hpp"
#include "actors/metrics.hpp"
#include "messages/http.hpp"
#include "persistence/health.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <string>

namespace gh {

/// What the ops actor reads; all of it outlives the actor.
struct ops_context {
  const dependency_health* health = nullptr;
  const metrics* stats = nullptr;
  const drain_state* drain = nullptr;
  std::string version;
  std::string instance_id;
  /// The OpenAPI document, written once before serving starts (see `ops_module.cpp`).
  std::shared_ptr<const std::string> openapi;
};

/// The JSON body of `/readyz`: `{"status", "postgres", "redis", "nats"}`; the status is
/// `draining` while `drain` (may be null) says so, else `ok` or `unavailable`.
std::string readiness_json(const dependency_health& health, const drain_state* drain = nullptr);

/// True when `/readyz` answers 200: every dependency up and not draining.
bool ready(const dependency_health& health, const drain_state* drain) noexcept;

/// What one instance says of itself in `gatehouse.ops.instances`.
struct instance_view {
  std::string_view id;
  std::string_view version;
  std::string_view started; ///< RFC 3339
  const dependency_health* health = nullptr;
  const metrics* stats = nullptr;
  const drain_state* drain = nullptr;
};

/// The answer of one instance to `gatehouse.ops.instances`: `{"instance", "version",
/// "started", "ready", "draining", "draining_since", "actors": {kind: live}, "websockets"}`.
std::string instance_json(const instance_view& v);

/// The body of the `gatehouse.ops.stats` NATS endpoint: outbox backlog, each consumer's lag
/// and counts, live actors by kind, open WebSockets and the dependencies' state.
std::string stats_json(const dependency_health& health, const metrics& stats,
                       const event_stats& events, std::string_view instance_id);

/// Serves `/healthz`, `/readyz`, `/metrics` (see API.md "Ops") and `/openapi.json`.
http_handler_actor spawn_ops(caf::actor_system& sys, ops_context ctx);

} // namespace gh
