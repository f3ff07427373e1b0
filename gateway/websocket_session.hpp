#pragma once

#include "gateway/context.hpp"
#include "messages/http.hpp"
#include "messages/ws.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace gh {

/// One WebSocket of the console: text frames go to the console actor; actors answer and push
/// through its `sink()`, which holds the session weakly and posts onto its strand. One
/// write in flight, a bounded queue (a slow consumer is closed with 1008), a frame-rate limit,
/// and Beast's message size limit (close 1009) and keep-alive pings.
class websocket_session : public tracked_session,
                          public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, gateway_context& ctx,
                    std::string remote_ip);
  ~websocket_session() override;

  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  /// Accepts the upgrade `req` of `who` and starts reading; the connection becomes one of
  /// that user's sinks. `bearer_protocol`: the client authenticated through the subprotocol
  /// list, so the handshake selects `bearer`.
  void run(boost::beast::http::request<boost::beast::http::string_body> req, std::string request_id,
           principal who, bool bearer_protocol);

  void begin_shutdown() override;

  /// The handle actors get for this connection; it never keeps the session alive.
  const std::shared_ptr<connection_sink>& sink() const noexcept { return sink_; }

  /// The connection's strand.
  boost::asio::any_io_executor executor() { return ws_.get_executor(); }

  /// On the strand: queue a frame / close with `code`.
  void enqueue(std::string frame);
  void do_close(ws_close code, std::string reason);

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t n);
  bool take_token();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  gateway_context& ctx_;
  std::string remote_ip_;
  std::string request_id_;
  std::string user_id_;
  principal who_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool close_pending_ = false;
  ws_close pending_code_ = ws_close::normal;
  std::string pending_reason_;
  bool open_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_{};
  uint64_t id_ = 0;
  uint64_t tracker_id_ = 0;
  std::shared_ptr<connection_sink> sink_;
};

} // namespace gh
