#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

/// When a delivery is attempted again (API.md "Outbound webhooks": 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h and 10 h, then `failed`): plain logic under an injectable clock.
namespace gh::webhooks {

/// Where deliveries read the time; tests pass a clock of their own.
using clock_fn = std::function<std::chrono::system_clock::time_point()>;

/// The delays before attempts 2 to 8.
inline constexpr std::array<std::chrono::seconds, 7> retry_delays{
    std::chrono::seconds{5}, std::chrono::minutes{5}, std::chrono::minutes{30},
    std::chrono::hours{2},   std::chrono::hours{5},   std::chrono::hours{10},
    std::chrono::hours{10}};

/// Attempts a delivery gets before it is `failed` (the first and seven retries).
inline constexpr int max_attempts = static_cast<int>(retry_delays.size()) + 1;

/// What one attempt ended with.
struct attempt_result {
  int status = 0;                    ///< the receiver's HTTP status; 0 when none arrived
  std::string error;                 ///< why no 2xx arrived (never a secret); empty: none
  std::chrono::milliseconds took{0}; ///< from the lookup to the answer
  bool ok() const noexcept { return error.empty() && status >= 200 && status < 300; }
};

/// What a delivery becomes after an attempt.
struct delivery_state {
  std::string status; ///< `pending`, `succeeded` or `failed`
  std::optional<std::chrono::system_clock::time_point> next_attempt_at;
};

/// The state after attempt number `attempts` (1 for the first) ended with `ok` at `now`: a
/// success is final; a failure is retried after `retry_delays[attempts - 1]` until
/// `max_attempts` attempts were made, then `failed`.
delivery_state after_attempt(int attempts, bool ok, std::chrono::system_clock::time_point now);

} // namespace gh::webhooks
