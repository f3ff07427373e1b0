#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace gh {

/// Whether this process is draining (the `gatehouse.ops.instance.<id>.drain` NATS verb): it
/// refuses new per-user actors and new WebSockets, and `/readyz` answers 503 `draining`, until
/// it exits. Set once, never cleared; read from any thread.
class drain_state {
public:
  /// Starts draining at `now`; false when it had started already (the first time is kept).
  bool begin(std::chrono::system_clock::time_point now) noexcept {
    int64_t unset = 0;
    const bool first = since_ms_.compare_exchange_strong(
        unset,
        std::max<int64_t>(
            1,
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()));
    // The time is set before the flag, so a reader that sees the flag sees the time.
    draining_.store(true);
    return first;
  }

  /// True once `begin` was called.
  bool draining() const noexcept { return draining_.load(); }

  /// When draining started; empty while not draining.
  std::optional<std::chrono::system_clock::time_point> since() const noexcept {
    if (!draining())
      return std::nullopt;
    return std::chrono::system_clock::time_point{std::chrono::milliseconds{since_ms_.load()}};
  }

private:
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> since_ms_{0};
};

} // namespace gh
