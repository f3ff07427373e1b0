#include "actors/webhooks/delivery_plan.hpp"

namespace gh::webhooks {

delivery_state after_attempt(int attempts, bool ok, std::chrono::system_clock::time_point now) {
  if (ok)
    return {"succeeded", std::nullopt};
  if (attempts < 1)
    attempts = 1;
  if (attempts >= max_attempts)
    return {"failed", std::nullopt};
  return {"pending", now + retry_delays.at(static_cast<std::size_t>(attempts - 1))};
}

} // namespace gh::webhooks
