#pragma once

#include "persistence/health.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

/// Process metrics rendered as Prometheus text at `/metrics`. Recording is lock-free on the
/// request path: routes get a slot when the router is built; status codes take one of a few
/// per-route entries on first use.
class metrics {
public:
  /// Upper bounds (seconds) of the latency histogram buckets.
  static constexpr std::array<double, 12> buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  metrics();

  /// Reserves the slot of a route (`method` + template); call before serving.
  std::size_t add_route(std::string method, std::string route);

  /// The slot requests that matched no route are counted in.
  std::size_t unmatched_slot() const noexcept { return 0; }

  /// Counts one HTTP request of `slot` answered with `status` after `seconds`.
  void observe_http(std::size_t slot, int status, double seconds) noexcept;

  /// The number of requests counted for (`slot`, `status`), for tests and stats.
  uint64_t http_count(std::size_t slot, int status) const noexcept;

  /// Live per-user actors of `kind`.
  void set_actor_count(std::string_view kind, int64_t live);

  /// Live per-user actors by kind.
  std::map<std::string, int64_t, std::less<>> actor_counts() const;

  std::atomic<int64_t> websockets_open{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> ws_frames_in{0};
  std::atomic<uint64_t> ws_frames_out{0};
  std::atomic<uint64_t> rejected_input{0}; ///< Untrusted input refused (4xx, bad frames).

  /// Appends a capability's own families to every rendering: `collect(out)` writes complete
  /// `# HELP`/`# TYPE` blocks. Call before serving; collectors run on the ops actor.
  void add_collector(std::function<void(std::string& out)> collect);

  /// The Prometheus text exposition (format 0.0.4).
  std::string render(const dependency_health& health) const;

private:
  struct status_entry {
    std::atomic<int> status{0};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_micros{0};
    std::array<std::atomic<uint64_t>, buckets.size()> bucket_counts{};
  };
  static constexpr std::size_t statuses_per_route = 12;
  struct route_slot {
    std::string method;
    std::string route;
    std::array<status_entry, statuses_per_route> statuses{};
  };

  std::vector<std::unique_ptr<route_slot>> routes_;
  std::vector<std::function<void(std::string&)>> collectors_;
  mutable std::mutex actors_mutex_;
  std::map<std::string, int64_t, std::less<>> actors_;
};

} // namespace gh
