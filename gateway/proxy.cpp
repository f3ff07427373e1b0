#include "gateway/proxy.hpp"

#include "crypto/crypto.hpp"

#include <algorithm>
#include <functional>

namespace gh {

void proxy_stats::observe(int status, double seconds) noexcept {
  requests.fetch_add(1, std::memory_order_relaxed);
  const int cls = std::clamp(status / 100, 1, 5);
  statuses[static_cast<std::size_t>(cls - 1)].fetch_add(1, std::memory_order_relaxed);
  latency_micros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  std::size_t bucket = metrics::buckets.size();
  for (std::size_t i = 0; i < metrics::buckets.size(); ++i)
    if (seconds <= metrics::buckets[i]) {
      bucket = i;
      break;
    }
  latency[bucket].fetch_add(1, std::memory_order_relaxed);
}

bool user_rate::spend(std::string_view user, unsigned limit, std::chrono::milliseconds window,
                      std::chrono::steady_clock::time_point now, int64_t& retry_after) {
  auto& s = shards_[std::hash<std::string_view>{}(user) % shards];
  std::lock_guard lock{s.mutex};
  if (s.users.size() >= max_users_per_shard) {
    // Bounded: windows that ended are forgotten; if every one is live, all start afresh.
    std::erase_if(s.users, [&](const auto& entry) { return now - entry.second.start >= window; });
    if (s.users.size() >= max_users_per_shard)
      s.users.clear();
  }
  auto [it, fresh] = s.users.try_emplace(std::string{user}, window_state{now, 0});
  auto& w = it->second;
  if (!fresh && now - w.start >= window)
    w = window_state{now, 0};
  if (w.spent >= limit) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(window - (now - w.start));
    retry_after = std::max<int64_t>(1, left.count() + 1);
    return false;
  }
  ++w.spent;
  return true;
}

proxy_upstream::proxy_upstream(config::upstream_settings s, const jwt::key_ring* keys,
                               std::chrono::milliseconds rate_window)
    : settings_(std::move(s)), keys_(keys), rate_window_(rate_window) {
  const bool v6 = settings_.host.find(':') != std::string::npos;
  host_header_ = v6 ? "[" + settings_.host + "]" : settings_.host;
  if (settings_.port != 80)
    host_header_ += ":" + std::to_string(settings_.port);
}

bool proxy_upstream::spend(std::string_view user, int64_t& retry_after) {
  if (settings_.rate == 0)
    return true;
  return rate_.spend(user, settings_.rate, rate_window_, std::chrono::steady_clock::now(),
                     retry_after);
}

std::string proxy_upstream::identity_token(const principal& who, int64_t now) {
  if (keys_ == nullptr || who.user_id.empty())
    return {};
  {
    std::lock_guard lock{tokens_mutex_};
    if (auto it = tokens_.find(who.user_id); it != tokens_.end() &&
                                             it->second.tenant_id == who.tenant_id &&
                                             it->second.exp - now >= identity_ttl / 2)
      return it->second.token;
  }
  jwt::claims c;
  c.sub = who.user_id;
  c.tid = who.tenant_id;
  c.iat = now;
  c.exp = now + identity_ttl;
  c.jti = crypto::random_token(16);
  auto token = keys_->issue_for(std::move(c), settings_.name, jwt::identity_token_type);
  std::lock_guard lock{tokens_mutex_};
  if (tokens_.size() >= 100000)
    tokens_.clear(); // bounded; tokens are cheap to sign again
  tokens_[who.user_id] = cached_token{who.tenant_id, token, now + identity_ttl};
  return token;
}

proxy_table::proxy_table(const std::vector<config::upstream_settings>& upstreams,
                         const jwt::key_ring* keys, std::chrono::milliseconds rate_window,
                         std::string proto)
    : proto_(std::move(proto)) {
  for (const auto& u : upstreams) {
    longest_prefix_ = std::max(longest_prefix_, u.prefix.size());
    upstreams_.push_back(std::make_unique<proxy_upstream>(u, keys, rate_window));
  }
}

proxy_claim proxy_table::claims(const boost::beast::flat_buffer& buffer) const noexcept {
  static constexpr std::size_t longest_method = 24;
  const std::string_view bytes{static_cast<const char*>(buffer.data().data()), buffer.size()};
  const auto sp = bytes.find(' ');
  if (sp == std::string_view::npos) {
    const bool more = bytes.size() < longest_method && bytes.find_first_of("\r\n") == bytes.npos;
    return {more ? proxy_claim::kind::undecided : proxy_claim::kind::no, 0};
  }
  if (sp == 0 || sp > longest_method)
    return {};
  const auto target = bytes.substr(sp + 1);
  const auto end = target.find_first_of(" ?#\r\n");
  const auto path = target.substr(0, end);
  const bool whole = end != std::string_view::npos;
  if (!whole && path.size() <= longest_prefix_) {
    // The path may still become one of the prefixes.
    for (const auto& u : upstreams_) {
      const auto& prefix = u->settings().prefix;
      if (prefix.starts_with(path) || path.starts_with(prefix))
        return {proxy_claim::kind::undecided, 0};
    }
    return {};
  }
  for (std::size_t i = 0; i < upstreams_.size(); ++i) {
    const auto& prefix = upstreams_[i]->settings().prefix;
    if (!path.starts_with(prefix))
      continue;
    if (path.size() == prefix.size() ? whole : path[prefix.size()] == '/')
      return {proxy_claim::kind::yes, i};
  }
  return {};
}

void proxy_table::render(std::string& out) const {
  if (upstreams_.empty())
    return;
  const auto family = [&](std::string_view name, std::string_view type, std::string_view help,
                          const auto& value) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    for (const auto& u : upstreams_)
      value(out, name, "upstream=\"" + u->settings().name + "\"", u->stats());
  };
  const auto counter = [](auto member) {
    return [member](std::string& o, std::string_view name, const std::string& labels,
                    const proxy_stats& s) {
      o.append(name).append("{").append(labels).append("} ");
      o.append(std::to_string((s.*member).load(std::memory_order_relaxed))).append("\n");
    };
  };
  family(
      "gatehouse_proxy_requests_total", "counter", "Proxied requests answered, by class.",
      [](std::string& o, std::string_view name, const std::string& labels, const proxy_stats& s) {
        for (std::size_t c = 0; c < s.statuses.size(); ++c)
          o.append(name)
              .append("{")
              .append(labels)
              .append(",class=\"")
              .append(std::to_string(c + 1))
              .append("xx\"} ")
              .append(std::to_string(s.statuses[c].load(std::memory_order_relaxed)))
              .append("\n");
      });
  family(
      "gatehouse_proxy_duration_seconds", "histogram",
      "Time from a proxied request's head to the end of its answer.",
      [](std::string& o, std::string_view name, const std::string& labels, const proxy_stats& s) {
        uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= metrics::buckets.size(); ++i) {
          cumulative += s.latency[i].load(std::memory_order_relaxed);
          const std::string le =
              i < metrics::buckets.size() ? std::to_string(metrics::buckets[i]) : "+Inf";
          o.append(name)
              .append("_bucket{")
              .append(labels)
              .append(",le=\"")
              .append(le)
              .append("\"} ")
              .append(std::to_string(cumulative))
              .append("\n");
        }
        o.append(name)
            .append("_sum{")
            .append(labels)
            .append("} ")
            .append(std::to_string(
                static_cast<double>(s.latency_micros.load(std::memory_order_relaxed)) / 1e6))
            .append("\n");
        o.append(name)
            .append("_count{")
            .append(labels)
            .append("} ")
            .append(std::to_string(cumulative))
            .append("\n");
      });
  family("gatehouse_proxy_sent_bytes_total", "counter", "Request body bytes sent upstream.",
         counter(&proxy_stats::bytes_up));
  family("gatehouse_proxy_received_bytes_total", "counter",
         "Response body bytes relayed back to clients.", counter(&proxy_stats::bytes_down));
  family("gatehouse_proxy_open_streams", "gauge", "Proxied exchanges in progress.",
         counter(&proxy_stats::open_streams));
  family("gatehouse_proxy_upstream_connects_total", "counter", "New upstream connections.",
         counter(&proxy_stats::connects));
  family("gatehouse_proxy_upstream_reuses_total", "counter",
         "Requests sent on a kept-alive upstream connection.", counter(&proxy_stats::reuses));
}

} // namespace gh
