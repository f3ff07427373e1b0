#pragma once

#include "gateway/context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace gh {

class listener;

/// The front actor's runtime: `io_threads` threads each running an io_context and a listener of
/// its own on the shared address, and
/// graceful shutdown on SIGTERM/SIGINT (stop accepting, let requests in flight finish, close
/// WebSockets with 1001, wait up to the grace period).
class server {
public:
  explicit server(gateway_context& ctx);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds `host:port`; throws on failure. Returns the bound endpoint.
  boost::asio::ip::tcp::endpoint bind(const std::string& host, uint16_t port);

  /// Serves until SIGTERM/SIGINT (or `request_stop`), then drains and returns.
  void run(const std::function<void()>& on_listening);

  /// Starts the shutdown from any thread.
  void request_stop();

private:
  void shutdown();
  void drain();

  gateway_context& ctx_;
  /// One io_context per io thread (concurrency hint 1); the first also runs signals and the
  /// drain.
  std::vector<std::unique_ptr<boost::asio::io_context>> iocs_;
  std::vector<std::shared_ptr<listener>> listeners_;
  std::unique_ptr<boost::asio::steady_timer> drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_{};
};

} // namespace gh
