#include "actors/minute_budget.hpp"

#include <algorithm>

namespace gh {

bool minute_budget::spend(const replies::req_ptr& r, int64_t limit, std::string_view detail) {
  static constexpr auto minute = std::chrono::minutes{1};
  const auto now = std::chrono::steady_clock::now();
  // Past this many users, forget the ones whose minute is over.
  if (windows_.size() > 100000)
    std::erase_if(windows_,
                  [now](const auto& entry) { return now - entry.second.start >= minute; });
  auto& w = windows_[r->auth.user_id];
  if (now - w.start >= minute) {
    w.start = now;
    w.spent = 0;
  }
  if (w.spent >= limit) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(w.start + minute - now);
    replies::problem(r, gh_errc::rate_limited, std::string{detail},
                     {{"Retry-After", std::to_string(std::max<int64_t>(left.count(), 1))}});
    return false;
  }
  ++w.spent;
  return true;
}

} // namespace gh
