#include "actors/webhooks/webhook_stats.hpp"

#include <cstdio>

namespace gh::webhooks {

void webhook_stats::observe(const attempt_result& result, const delivery_state& state) noexcept {
  if (state.status == "succeeded")
    succeeded_.fetch_add(1, std::memory_order_relaxed);
  else if (state.status == "failed")
    failed_.fetch_add(1, std::memory_order_relaxed);
  else
    retrying_.fetch_add(1, std::memory_order_relaxed);
  const auto micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(result.took).count());
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
  observed_.fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(micros) / 1e6;
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (seconds <= buckets.at(i))
      bucket_counts_.at(i).fetch_add(1, std::memory_order_relaxed);
}

void webhook_stats::set_backlog(std::map<std::string, int64_t> backlog) {
  std::lock_guard guard{mutex_};
  backlog_ = std::move(backlog);
}

uint64_t webhook_stats::count(std::string_view outcome) const noexcept {
  if (outcome == "succeeded")
    return succeeded_.load();
  if (outcome == "failed")
    return failed_.load();
  return outcome == "retrying" ? retrying_.load() : 0;
}

void webhook_stats::render(std::string& out) const {
  out += "# HELP gatehouse_webhook_attempts_total Webhook delivery attempts by what they left the "
         "delivery as.\n# TYPE gatehouse_webhook_attempts_total counter\n";
  for (const auto* outcome : {"succeeded", "retrying", "failed"})
    out += std::string{"gatehouse_webhook_attempts_total{outcome=\""} + outcome + "\"} " +
           std::to_string(count(outcome)) + "\n";
  out += "# HELP gatehouse_webhook_attempt_seconds Time from lookup to answer of each attempt.\n"
         "# TYPE gatehouse_webhook_attempt_seconds histogram\n";
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    std::array<char, 32> le{};
    (void)std::snprintf(le.data(), le.size(), "%g", buckets.at(i));
    out += std::string{"gatehouse_webhook_attempt_seconds_bucket{le=\""} + le.data() + "\"} " +
           std::to_string(bucket_counts_.at(i).load()) + "\n";
  }
  const auto n = observed_.load();
  std::array<char, 32> sum{};
  (void)std::snprintf(sum.data(), sum.size(), "%.6f",
                      static_cast<double>(sum_micros_.load()) / 1e6);
  out += "gatehouse_webhook_attempt_seconds_bucket{le=\"+Inf\"} " + std::to_string(n) + "\n";
  out += std::string{"gatehouse_webhook_attempt_seconds_sum "} + sum.data() + "\n";
  out += "gatehouse_webhook_attempt_seconds_count " + std::to_string(n) + "\n";
  out += "# HELP gatehouse_webhook_backlog Pending deliveries per endpoint.\n"
         "# TYPE gatehouse_webhook_backlog gauge\n";
  std::lock_guard guard{mutex_};
  for (const auto& [endpoint, pending] : backlog_)
    out += "gatehouse_webhook_backlog{endpoint=\"" + endpoint + "\"} " + std::to_string(pending) +
           "\n";
}

} // namespace gh::webhooks
