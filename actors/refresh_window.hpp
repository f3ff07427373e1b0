#pragma once

#include <atomic>
#include <chrono>

namespace gh {

/// How long a value that the io threads read from a cache may answer: without question until
/// `until`; after that the first reader gets nothing (so it goes to the value's owner, which
/// reads it again and `renew`s it) while the others keep the value for at most `grace` more,
/// rather than every request in flight asking the owner at once. Thread-safe: the claim is an
/// atomic, so readers under a shared lock may make it.
class refresh_window {
public:
  using clock = std::chrono::steady_clock;

  explicit refresh_window(clock::time_point until = {}) : until_(until) {}

  /// Whether the value may answer at `now`: fresh, or past its deadline by less than `grace`
  /// while another reader refreshes it. False for the first reader after the deadline (that
  /// reader refreshes it) and for everyone once `grace` has run out.
  bool serves(clock::time_point now, clock::duration grace) const {
    if (now < until_)
      return true;
    if (now >= until_ + grace)
      return false;
    return refreshing_.exchange(true, std::memory_order_relaxed);
  }

  /// Starts a new lifetime, ending at `until`; a refresh in progress is over.
  void renew(clock::time_point until) {
    until_ = until;
    refreshing_.store(false, std::memory_order_relaxed);
  }

  clock::time_point until() const noexcept { return until_; }

private:
  clock::time_point until_;
  mutable std::atomic<bool> refreshing_{false};
};

} // namespace gh
