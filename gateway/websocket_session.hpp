#pragma once

#include "gateway/context.hpp"
#include "gateway/ws_queue.hpp"
#include "messages/http.hpp"
#include "messages/ws.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace gh {

/// One WebSocket of the console: text frames go to the console actor; actors answer and push
/// through its `sink()`, which holds the session weakly and posts onto its strand. One
/// write in flight, a queue bounded in frames and bytes (a slow consumer is closed with 1008), a
/// frame-rate limit, a message size limit (close 1009) and Beast's timeouts. Every buffer it
/// holds is bounded by a setting: the read buffer by GATEHOUSE_WS_MESSAGE_LIMIT, the queue by
/// GATEHOUSE_WS_QUEUE_LIMIT and GATEHOUSE_WS_QUEUE_BYTES, the handshake's bytes by
/// GATEHOUSE_HEADER_LIMIT (the HTTP session read them); Beast's own buffers have fixed sizes.
class websocket_session : public tracked_session,
                          public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, gateway_context& ctx,
                    std::string remote_ip);
  ~websocket_session() override;

  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  /// Accepts the upgrade `req` of `who` and starts reading; the connection becomes one of
  /// that user's sinks, bound to `who`'s session and access token: it is closed (1008) when
  /// either is revoked, and when the token expires unless the client sent a fresh one in an
  /// `auth` frame. `bearer_protocol`: the client authenticated through the subprotocol list,
  /// so the handshake selects `bearer`. `early` holds bytes the client sent right behind the
  /// handshake (its first frames), read already.
  void run(const boost::beast::http::request<boost::beast::http::string_body>& req,
           const std::string& early, std::string request_id, principal who, bool bearer_protocol);

  void begin_shutdown() override;

  /// The handle actors get for this connection; it never keeps the session alive.
  const std::shared_ptr<connection_sink>& sink() const noexcept { return sink_; }

  /// The connection's strand.
  boost::asio::any_io_executor executor() { return ws_.get_executor(); }

  /// On the strand: queue a frame / close with `code`.
  void enqueue(shared_frame frame);
  void do_close(ws_close code, std::string reason);

  /// On the strand: a push for this user (dropped once the session is revoked).
  void deliver_push(shared_frame frame);
  /// On the strand: the console's answer to a command this socket sent.
  void deliver_reply(shared_frame frame);
  /// On the strand: the session or token was revoked. Pushes stop and no new command runs at
  /// once; the socket closes with `code` when the commands in flight have answered (at most 1 s).
  void revoke(ws_close code, std::string reason);

private:
  void on_accept(boost::beast::error_code ec);
  /// Answers an `auth` frame (`{"id", "cmd": "auth", "args": {"token"}}`); false when `text`
  /// is not one.
  bool handle_auth(const std::string& text);
  void arm_expiry();
  void on_expiry(boost::beast::error_code ec);
  void bind(const std::string& session_id, const std::string& token_id);
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
  std::string session_id_;   ///< The refresh family the access token belongs to.
  std::string token_id_;     ///< The access token's `jti`.
  int64_t expires_at_ = 0;   ///< The access token's `exp` (Unix seconds).
  std::string accept_bytes_; ///< The handshake and early frames, until Beast copied them.
  boost::asio::steady_timer expiry_;
  principal who_;
  ws_queue queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool close_pending_ = false;
  ws_close pending_code_ = ws_close::normal;
  std::string pending_reason_;
  bool open_ = false;
  // The handshake's check held one of the user's places (user_sinks::reserve); on_accept hands
  // it to the open connection, and a handshake that fails gives it back.
  bool holds_place_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_{};
  uint64_t id_ = 0;
  uint64_t tracker_id_ = 0;
  std::shared_ptr<connection_sink> sink_;
  std::shared_ptr<connection_sink> reply_sink_; ///< The console answers through this one.
  std::size_t in_flight_ = 0;                   ///< Commands sent to the console, unanswered.
  bool revoked_ = false;
};

} // namespace gh
