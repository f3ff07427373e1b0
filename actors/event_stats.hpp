#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gh {

/// Live figures of one durable consumer, written by its worker, read by the ops endpoint.
struct consumer_stats {
  explicit consumer_stats(std::string consumer_name) : name(std::move(consumer_name)) {}

  const std::string name;
  std::atomic<int64_t> pending{-1}; ///< Messages not yet delivered (-1: not known yet).
  std::atomic<uint64_t> processed{0};
  std::atomic<uint64_t> skipped{0}; ///< Already processed (a redelivery or a duplicate).
  std::atomic<uint64_t> retried{0};
  std::atomic<uint64_t> dead_lettered{0};
};

/// The event pipeline's figures: the relay's and every consumer's. Consumers are added before
/// the workers start and never removed.
class event_stats {
public:
  std::atomic<int64_t> outbox_backlog{-1}; ///< Unpublished outbox rows (-1: not known yet).
  std::atomic<uint64_t> published{0};
  std::atomic<uint64_t> publish_errors{0};
  std::atomic<uint64_t> pushed_frames{0}; ///< Event frames queued on users' WebSockets.

  /// The figures of `name`, created on first use; call before workers start.
  consumer_stats& consumer(const std::string& name);

  /// Every consumer's figures.
  const std::vector<std::unique_ptr<consumer_stats>>& consumers() const noexcept {
    return consumers_;
  }

private:
  std::vector<std::unique_ptr<consumer_stats>> consumers_;
};

} // namespace gh
