#pragma once

#include "config/settings.hpp"
#include "messages/type_ids.hpp"
#include "persistence/cache.hpp"
#include "persistence/health.hpp"

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisContext;

namespace gh::redis {

/// A blocking Redis client for one thread: connect and command timeouts, AUTH and SELECT on
/// connect, and reconnection on the next call after a failure.
class client {
public:
  client(config::redis_endpoint endpoint, std::chrono::milliseconds timeout);
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Runs one command; empty when Redis could not be reached (the connection is dropped).
  std::optional<reply> run(const command& cmd);

  /// Sends all commands in one round trip; empty when Redis could not be reached.
  std::optional<std::vector<reply>> pipeline(const std::vector<command>& cmds);

  /// True while a connection is open.
  bool connected() const noexcept { return ctx_ != nullptr; }

private:
  bool ensure_connected();
  void drop();

  config::redis_endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
};

/// The `redis_actor` of persistence/cache.hpp over a `client`, in a detached actor.
/// Spawns the Redis actor; it reports Redis up/down in `health` every `probe_interval`.
redis_actor spawn_redis_actor(caf::actor_system& sys, const config::redis_endpoint& endpoint,
                              dependency_health& health,
                              std::chrono::milliseconds probe_interval = std::chrono::seconds{1});

} // namespace gh::redis
