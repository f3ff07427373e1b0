#pragma once

#include "actors/webhooks/delivery_plan.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace gh::webhooks {

/// The delivery figures `/metrics` shows: attempts by outcome, their latency, and the backlog
/// of pending deliveries per endpoint. Recording is lock-free except for the backlog.
class webhook_stats {
public:
  /// Upper bounds (seconds) of the attempt latency buckets.
  static constexpr std::array<double, 10> buckets{0.005, 0.01, 0.025, 0.05, 0.1,
                                                  0.25,  0.5,  1.0,   2.5,  10.0};

  /// Counts one attempt that ended with `result` and left its delivery in `state`.
  void observe(const attempt_result& result, const delivery_state& state) noexcept;

  /// Replaces the backlog (pending deliveries by endpoint id).
  void set_backlog(std::map<std::string, int64_t> backlog);

  /// Attempts that left their delivery `outcome` (`succeeded`, `retrying`, `failed`).
  uint64_t count(std::string_view outcome) const noexcept;

  /// Appends the Prometheus families.
  void render(std::string& out) const;

private:
  std::atomic<uint64_t> succeeded_{0};
  std::atomic<uint64_t> retrying_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> sum_micros_{0};
  std::atomic<uint64_t> observed_{0};
  std::array<std::atomic<uint64_t>, buckets.size()> bucket_counts_{};
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> backlog_;
};

} // namespace gh::webhooks
