#pragma once

#include "gateway/http_session.hpp"

#include <boost/asio/execution_context.hpp>

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace gh {

/// Kept-alive upstream connections of one io thread, per upstream: an asio service of the
/// thread's io_context, so a connection is only ever used on the thread it belongs to and is
/// closed when its io_context shuts down. Used on that io thread only (no locks).
class proxy_pool : public boost::asio::execution_context::service {
public:
  using socket_type = http_session::socket_type;
  using key_type = proxy_pool;
  /// The service's identity for `use_service`.
  inline static boost::asio::execution_context::id id;

  /// How long a connection may sit idle before it is closed instead of reused.
  static constexpr std::chrono::seconds idle_limit{30};

  explicit proxy_pool(boost::asio::execution_context& ctx) : service(ctx) {}

  /// An idle connection to `upstream` that still looks open (the peer has not closed it and
  /// sent nothing unasked), most recently used first; empty when there is none.
  std::optional<socket_type> take(std::size_t upstream) {
    if (upstream >= idle_.size())
      return std::nullopt;
    auto& list = idle_[upstream];
    const auto now = std::chrono::steady_clock::now();
    while (!list.empty()) {
      auto entry = std::move(list.back());
      list.pop_back();
      if (now - entry.since > idle_limit)
        continue;
      char probe = 0;
      const auto n =
          ::recv(entry.socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return std::move(entry.socket);
    }
    return std::nullopt;
  }

  /// Keeps `socket` for the next request to `upstream`, unless `max_idle` are kept already.
  void give(std::size_t upstream, socket_type&& socket, std::size_t max_idle) {
    if (idle_.size() <= upstream)
      idle_.resize(upstream + 1);
    auto& list = idle_[upstream];
    if (list.size() >= max_idle)
      return;
    list.push_back({std::move(socket), std::chrono::steady_clock::now()});
  }

private:
  void shutdown() override { idle_.clear(); }

  struct idle_connection {
    socket_type socket;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<std::vector<idle_connection>> idle_;
};

} // namespace gh
