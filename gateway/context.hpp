#pragma once

#include "actors/metrics.hpp"
#include "actors/user_sinks.hpp"
#include "config/settings.hpp"
#include "gateway/router.hpp"
#include "messages/ws.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gh {

/// A connection the server can ask to wind down.
class tracked_session {
public:
  virtual ~tracked_session() = default;

  /// Finish the request in flight (answered with `Connection: close`), close idle keep-alive
  /// connections, send WebSockets a 1001 close frame. Called from any thread; posts.
  virtual void begin_shutdown() = 0;
};

/// The open connections, so shutdown can reach each one and wait for them to end.
class connection_tracker {
public:
  uint64_t add(const std::weak_ptr<tracked_session>& session);
  void remove(uint64_t id);
  std::size_t size() const;
  /// Calls `begin_shutdown` on every live connection.
  void shutdown_all();

private:
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::weak_ptr<tracked_session>> sessions_;
};

/// What every session of the front actor shares; it outlives all sessions.
struct gateway_context {
  config::gateway_settings limits;
  router routes;
  console_actor console;
  metrics* stats = nullptr;
  user_sinks* sinks = nullptr;
  connection_tracker tracker;
  std::string ws_path = "/api/v1/ws";
  bool hsts = false;
  std::atomic<bool> shutting_down{false};
};

} // namespace gh
