#pragma once

#include "actors/metrics.hpp"
#include "config/settings.hpp"
#include "crypto/jwt.hpp"
#include "messages/http.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gh {

/// What the proxy counts per upstream, rendered at `/metrics`; lock-free to record.
struct proxy_stats {
  std::atomic<uint64_t> requests{0};
  /// Answers by status class: 1xx … 5xx (Gatehouse's own 502/504/429 refusals included).
  std::array<std::atomic<uint64_t>, 5> statuses{};
  std::atomic<uint64_t> latency_micros{0}; ///< sum of the time to the end of each response
  /// Latency histogram over `metrics::buckets`, the last entry +Inf.
  std::array<std::atomic<uint64_t>, metrics::buckets.size() + 1> latency{};
  std::atomic<uint64_t> bytes_up{0};   ///< request body bytes sent to the upstream
  std::atomic<uint64_t> bytes_down{0}; ///< response body bytes sent back to clients
  std::atomic<int64_t> open_streams{0};
  std::atomic<uint64_t> connects{0}; ///< new upstream connections
  std::atomic<uint64_t> reuses{0};   ///< requests sent on a kept-alive connection

  /// Counts one finished request.
  void observe(int status, double seconds) noexcept;
};

/// Requests per user per fixed window, shared by every io thread (sharded locks, bounded).
class user_rate {
public:
  /// Spends one request of `user` out of `limit` per `window`; false when the window's are
  /// spent, with the seconds until it ends in `retry_after`.
  bool spend(std::string_view user, unsigned limit, std::chrono::milliseconds window,
             std::chrono::steady_clock::time_point now, int64_t& retry_after);

private:
  static constexpr std::size_t shards = 16;
  static constexpr std::size_t max_users_per_shard = 16384;
  struct window_state {
    std::chrono::steady_clock::time_point start;
    unsigned spent = 0;
  };
  struct shard {
    std::mutex mutex;
    std::unordered_map<std::string, window_state> users;
  };
  std::array<shard, shards> shards_;
};

/// One upstream at run time: its settings, counters, rate windows and identity tokens.
class proxy_upstream {
public:
  proxy_upstream(config::upstream_settings s, const jwt::key_ring* keys,
                 std::chrono::milliseconds rate_window);

  const config::upstream_settings& settings() const noexcept { return settings_; }
  /// The upstream's `host[:port]`, sent as `Host`.
  const std::string& host_header() const noexcept { return host_header_; }
  proxy_stats& stats() noexcept { return stats_; }
  const proxy_stats& stats() const noexcept { return stats_; }

  /// Spends one of `user`'s requests (`UPSTREAM_<NAME>_RATE`); true when unlimited.
  bool spend(std::string_view user, int64_t& retry_after);

  /// `X-Gatehouse-Identity` for `who` at `now`: a 60-second JWT (`aud` = the upstream's name,
  /// `typ` = `jwt::identity_token_type`), signed once and reused while at least 30 seconds of
  /// its life remain, so a busy user costs one signature per half minute.
  std::string identity_token(const principal& who, int64_t now);

  /// An identity token's lifetime, seconds.
  static constexpr int64_t identity_ttl = 60;

private:
  struct cached_token {
    std::string tenant_id;
    std::string token;
    int64_t exp = 0;
  };

  config::upstream_settings settings_;
  std::string host_header_;
  const jwt::key_ring* keys_;
  std::chrono::milliseconds rate_window_;
  proxy_stats stats_;
  user_rate rate_;
  std::mutex tokens_mutex_;
  std::unordered_map<std::string, cached_token> tokens_;
};

/// What a connection's first bytes say about the request they start.
struct proxy_claim {
  enum class kind : std::uint8_t {
    no,       ///< not under an upstream's prefix: the session parses it
    yes,      ///< under `upstream`'s prefix: the proxy takes it
    undecided ///< too few bytes to tell: read more
  };
  kind result = kind::no;
  std::size_t upstream = 0;
};

/// The upstreams the proxy forwards to, matched by path prefix.
class proxy_table {
public:
  /// `keys` signs identity tokens (null: none are sent); `proto` is `http` or `https` (what
  /// clients use to reach Gatehouse, for `Forwarded`).
  proxy_table(const std::vector<config::upstream_settings>& upstreams, const jwt::key_ring* keys,
              std::chrono::milliseconds rate_window, std::string proto);

  bool empty() const noexcept { return upstreams_.empty(); }
  std::size_t size() const noexcept { return upstreams_.size(); }
  proxy_upstream& at(std::size_t i) noexcept { return *upstreams_[i]; }
  const std::string& proto() const noexcept { return proto_; }

  /// Looks at the request line at the start of `buffer`: is its path the prefix of an upstream
  /// or under it (`/prefix`, `/prefix/…`, `/prefix?…`)?
  proxy_claim claims(const boost::beast::flat_buffer& buffer) const noexcept;

  /// Appends the proxy's metric families (Prometheus text) to `out`.
  void render(std::string& out) const;

private:
  std::vector<std::unique_ptr<proxy_upstream>> upstreams_;
  std::size_t longest_prefix_ = 0;
  std::string proto_;
};

} // namespace gh
