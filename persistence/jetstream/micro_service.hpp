#pragma once

#include "persistence/service_endpoint.hpp"

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gh::nats {

/// Identity of a service as the `$SRV` protocol reports it.
struct service_identity {
  std::string name;
  std::string id;
  std::string version;
  std::string description;
};

/// The NATS micro-service protocol (ADR-32, v1) over a plain nats.c connection: answers
/// `$SRV.PING|INFO|STATS` (bare, by name, by name and id) and serves the endpoints on queue
/// group `q` (a fan-out endpoint on none, so every instance answers), counting requests, errors and
/// processing time per endpoint.
class micro_service {
public:
  micro_service(natsConnection* conn, service_identity identity, std::vector<endpoint> endpoints);
  ~micro_service();

  micro_service(const micro_service&) = delete;
  micro_service& operator=(const micro_service&) = delete;

  /// Subscribes to every subject; false (and nothing subscribed) on failure.
  bool start();

  /// Unsubscribes; idempotent.
  void stop();

  /// The `$SRV.PING` response.
  std::string ping_json() const;
  /// The `$SRV.INFO` response.
  std::string info_json() const;
  /// The `$SRV.STATS` response.
  std::string stats_json() const;

private:
  struct endpoint_state {
    endpoint spec;
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> processing_ns{0};
    mutable std::mutex mutex;
    std::string last_error;
  };
  struct route {
    micro_service* owner;
    int kind; ///< 0 ping, 1 info, 2 stats, 3 endpoint
    endpoint_state* ep;
  };

  static void on_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  void handle(const route& r, natsMsg* msg);

  natsConnection* conn_;
  service_identity identity_;
  std::vector<std::unique_ptr<endpoint_state>> endpoints_;
  std::vector<std::unique_ptr<route>> routes_;
  std::vector<natsSubscription*> subs_;
  std::string started_;
};

} // namespace gh::nats
