#pragma once

#include "gateway/context.hpp"
#include "gateway/http_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>

namespace gh {

/// Accepts connections for one io thread and starts an `http_session` on that thread for each;
/// refuses connections beyond `max_connections` by closing them at once. Each io thread has a
/// listener of its own on the same address (`SO_REUSEPORT`), so the kernel spreads new
/// connections over the threads and a connection never changes thread.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(boost::asio::io_context& ioc, gateway_context& ctx);

  /// Binds (with `SO_REUSEPORT`, so the other threads' listeners share the address) and
  /// listens; throws `boost::system::system_error` when the address is unusable.
  void open(const boost::asio::ip::tcp::endpoint& endpoint);

  /// The bound endpoint (the real port when 0 was asked for).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void run();

  /// Stops accepting; posts onto the listener's io thread.
  void stop();

private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, http_session::socket_type socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  gateway_context& ctx_;
};

} // namespace gh
