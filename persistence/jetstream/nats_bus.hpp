#pragma once

#include "config/secret.hpp"
#include "persistence/health.hpp"

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gh::nats {

/// A JetStream stream Gatehouse owns (API.md "Events").
struct stream_spec {
  std::string name;
  std::vector<std::string> subjects;
};

/// The streams created or updated at every (re)connection.
const std::vector<stream_spec>& gatehouse_streams();

/// The NATS connection of a Gatehouse process: reconnects forever, keeps the streams of
/// `gatehouse_streams()` in place (created, or updated to the wanted config, idempotently) and
/// reports NATS up in `dependency_health` while connected with the streams ensured.
class bus {
public:
  bus(config::secret url, std::string client_name, dependency_health& health);
  ~bus();

  bus(const bus&) = delete;
  bus& operator=(const bus&) = delete;

  /// Starts connecting (in the background when the server is not up yet). False only when the
  /// options are unusable.
  bool start();

  /// The connection; thread-safe, usable once `start` returned true.
  natsConnection* connection() const noexcept { return conn_; }

  /// True while connected.
  bool connected() const noexcept;

  /// True once the streams of `gatehouse_streams()` were made on the server; they outlive
  /// reconnections, so it stays true.
  bool streams_ready() const noexcept { return streams_ready_.load(); }

  /// Closes the connection and stops the maintenance thread; idempotent.
  void close();

private:
  static void on_connected(natsConnection* nc, void* closure);
  static void on_disconnected(natsConnection* nc, void* closure);
  void maintain(const std::stop_token& stop);
  bool ensure_streams();

  config::secret url_;
  std::string client_name_;
  dependency_health& health_;
  natsOptions* opts_ = nullptr;
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
  std::atomic<bool> streams_dirty_{true};
  std::atomic<bool> streams_ready_{false};
  std::atomic<bool> closing_{false};
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread maintainer_;
};

} // namespace gh::nats
