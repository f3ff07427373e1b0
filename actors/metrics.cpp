#include "actors/metrics.hpp"

#include <cstdio>
#include <memory>

namespace gh {

namespace {

/// Escapes a label value for the Prometheus text format.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"')
      out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double x) {
  std::array<char, 32> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%g", x);
  return n > 0 ? std::string{buf.data()} : std::string{"0"};
}

} // namespace

metrics::metrics() {
  auto unmatched = std::make_unique<route_slot>();
  unmatched->method = "*";
  unmatched->route = "unmatched";
  routes_.push_back(std::move(unmatched));
}

std::size_t metrics::add_route(std::string method, std::string route) {
  auto slot = std::make_unique<route_slot>();
  slot->method = std::move(method);
  slot->route = std::move(route);
  routes_.push_back(std::move(slot));
  return routes_.size() - 1;
}

void metrics::observe_http(std::size_t slot, int status, double seconds) noexcept {
  if (slot >= routes_.size())
    slot = 0;
  auto& statuses = routes_[slot]->statuses;
  status_entry* entry = nullptr;
  for (auto& candidate : statuses) {
    int seen = candidate.status.load(std::memory_order_acquire);
    // A free entry is claimed once; a failed claim leaves the winner's status in `seen`.
    if (seen == 0 && candidate.status.compare_exchange_strong(seen, status)) {
      entry = &candidate;
      break;
    }
    if (seen == status) {
      entry = &candidate;
      break;
    }
  }
  if (entry == nullptr)
    entry = &statuses.back(); // more distinct statuses than entries: counted with the last one
  entry->count.fetch_add(1, std::memory_order_relaxed);
  entry->sum_micros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (seconds <= buckets[i]) {
      entry->bucket_counts[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
}

uint64_t metrics::http_count(std::size_t slot, int status) const noexcept {
  if (slot >= routes_.size())
    return 0;
  for (const auto& entry : routes_[slot]->statuses)
    if (entry.status.load() == status)
      return entry.count.load();
  return 0;
}

void metrics::set_actor_count(std::string_view kind, int64_t live) {
  std::lock_guard guard{actors_mutex_};
  if (auto it = actors_.find(kind); it != actors_.end())
    it->second = live;
  else
    actors_.emplace(std::string{kind}, live);
}

std::map<std::string, int64_t, std::less<>> metrics::actor_counts() const {
  std::lock_guard guard{actors_mutex_};
  return actors_;
}

std::string metrics::render(const dependency_health& health) const {
  std::string out;
  out.reserve(4096);
  out += "# HELP gatehouse_http_requests_total HTTP requests answered, by route and status.\n"
         "# TYPE gatehouse_http_requests_total counter\n";
  for (const auto& slot : routes_)
    for (const auto& entry : slot->statuses) {
      const int status = entry.status.load();
      if (status == 0)
        continue;
      out += "gatehouse_http_requests_total{route=\"" + label(slot->route) + "\",method=\"" +
             label(slot->method) + "\",status=\"" + std::to_string(status) + "\"} " +
             std::to_string(entry.count.load()) + "\n";
    }
  out += "# HELP gatehouse_http_request_duration_seconds Time from request read to response "
         "queued, by route and status.\n"
         "# TYPE gatehouse_http_request_duration_seconds histogram\n";
  for (const auto& slot : routes_)
    for (const auto& entry : slot->statuses) {
      const int status = entry.status.load();
      if (status == 0)
        continue;
      const std::string labels = "route=\"" + label(slot->route) + "\",method=\"" +
                                 label(slot->method) + "\",status=\"" + std::to_string(status) +
                                 "\"";
      uint64_t cumulative = 0;
      for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += entry.bucket_counts[i].load();
        out += "gatehouse_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
               number(buckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
      }
      const auto count = entry.count.load();
      out += "gatehouse_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
             std::to_string(count) + "\n";
      out += "gatehouse_http_request_duration_seconds_sum{" + labels + "} " +
             number(static_cast<double>(entry.sum_micros.load()) / 1e6) + "\n";
      out += "gatehouse_http_request_duration_seconds_count{" + labels + "} " +
             std::to_string(count) + "\n";
    }
  out += "# HELP gatehouse_http_connections_open Open HTTP connections.\n"
         "# TYPE gatehouse_http_connections_open gauge\n"
         "gatehouse_http_connections_open " +
         std::to_string(connections_open.load()) + "\n";
  out += "# HELP gatehouse_websockets_open Open WebSocket connections.\n"
         "# TYPE gatehouse_websockets_open gauge\n"
         "gatehouse_websockets_open " +
         std::to_string(websockets_open.load()) + "\n";
  out += "# HELP gatehouse_ws_frames_total WebSocket frames, by direction.\n"
         "# TYPE gatehouse_ws_frames_total counter\n"
         "gatehouse_ws_frames_total{direction=\"in\"} " +
         std::to_string(ws_frames_in.load()) +
         "\n"
         "gatehouse_ws_frames_total{direction=\"out\"} " +
         std::to_string(ws_frames_out.load()) + "\n";
  out += "# HELP gatehouse_rejected_input_total Untrusted inputs refused.\n"
         "# TYPE gatehouse_rejected_input_total counter\n"
         "gatehouse_rejected_input_total " +
         std::to_string(rejected_input.load()) + "\n";
  out += "# HELP gatehouse_actors Live per-user actors, by kind.\n"
         "# TYPE gatehouse_actors gauge\n";
  {
    std::lock_guard guard{actors_mutex_};
    for (const auto& [kind, live] : actors_)
      out += "gatehouse_actors{kind=\"" + label(kind) + "\"} " + std::to_string(live) + "\n";
  }
  out += "# HELP gatehouse_dependency_up 1 while the dependency answers.\n"
         "# TYPE gatehouse_dependency_up gauge\n";
  for (auto d : all_dependencies)
    out += "gatehouse_dependency_up{dependency=\"" + std::string{dependency_name(d)} + "\"} " +
           (health.up(d) ? "1" : "0") + "\n";
  for (const auto& collect : collectors_)
    collect(out);
  return out;
}

void metrics::add_collector(std::function<void(std::string& out)> collect) {
  collectors_.push_back(std::move(collect));
}

} // namespace gh
