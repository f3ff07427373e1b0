#pragma once

#include "actors/replies.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gh {

/// Actions each user may take per minute, counted in the one actor that owns the budget (not
/// thread-safe): a limit that keeps one user from taking a shared resource (the Stripe callers,
/// the database pool) from everyone else.
class minute_budget {
public:
  /// Spends one action of `r`'s caller out of `limit` per minute. When the minute's actions are
  /// spent, answers `r` 429 `rate-limited` with `detail` and `Retry-After`, and returns false.
  bool spend(const replies::req_ptr& r, int64_t limit, std::string_view detail);

private:
  struct window {
    std::chrono::steady_clock::time_point start;
    int64_t spent = 0;
  };
  std::unordered_map<std::string, window> windows_;
};

} // namespace gh
