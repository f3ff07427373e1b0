#pragma once

#include "actors/drain_state.hpp"
#include "actors/metrics.hpp"
#include "actors/user_sinks.hpp"
#include "config/settings.hpp"
#include "gateway/auth.hpp"
#include "gateway/router.hpp"
#include "gateway/ws_index.hpp"
#include "messages/ws.hpp"

#include <boost/asio/post.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace gh {

class storage_streams;
class proxy_table;

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

/// Lets actor threads post onto io strands only while the io_context exists: the server closes
/// the gate before its io_context goes away, and a post after that is dropped.
class io_gate {
public:
  /// Calls `post` (which posts onto an io executor) unless the gate is closed; false if it is.
  template <class Fn>
  bool if_open(Fn&& post) {
    std::shared_lock lock{mutex_};
    if (!open_)
      return false;
    std::forward<Fn>(post)();
    return true;
  }

  /// Runs `fn(session)` on the session's strand if both the session and the io_context still
  /// exist. Nothing here keeps an executor: one outliving its io_context would be freed memory.
  template <class Session, class Fn>
  void post_to(const std::weak_ptr<Session>& weak, Fn fn) {
    if_open([&] {
      if (auto session = weak.lock()) {
        auto strand = session->executor();
        boost::asio::post(strand, [weak, fn = std::move(fn)]() mutable {
          if (auto s = weak.lock())
            fn(*s);
        });
      }
    });
  }

  /// Refuses every later post; waits for posts in progress.
  void close() {
    std::unique_lock lock{mutex_};
    open_ = false;
  }

private:
  std::shared_mutex mutex_;
  bool open_ = true;
};

/// What every session of the front actor shares; it outlives all sessions. Actors never hold a
/// session itself, only weak references through `gate`, so no session outlives its io_context.
struct gateway_context {
  config::gateway_settings limits;
  router routes;
  console_actor console;
  metrics* stats = nullptr;
  user_sinks* sinks = nullptr;
  /// The authentication middleware; null serves every route anonymously.
  const authenticator* auth = nullptr;
  /// `PUT/GET /storage/{token}` of the local store (gateway/storage_stream.hpp); null when the
  /// files are elsewhere (S3).
  std::shared_ptr<storage_streams> storage;
  /// The internal services behind `/api/v1/<prefix>` (gateway/proxy.hpp); null when none.
  std::shared_ptr<proxy_table> proxy;
  connection_tracker tracker;
  /// Open WebSockets by session and access token, closed when either is revoked.
  ws_index ws_sessions;
  std::string ws_path = "/api/v1/ws";
  bool hsts = false;
  std::atomic<bool> shutting_down{false};
  /// While this process drains, new WebSockets are refused (503); null: never.
  const drain_state* drain = nullptr;
  std::shared_ptr<io_gate> gate = std::make_shared<io_gate>();
};

} // namespace gh
