#pragma once

// The proxy's exchange, shared by proxy_session.cpp (the request) and proxy_forward.cpp (the
// upstream and the answer); nothing outside the proxy includes it.

#include "gateway/context.hpp"
#include "gateway/http_session.hpp"
#include "gateway/proxy.hpp"
#include "gateway/proxy_pool.hpp"
#include "gateway/proxy_session.hpp"
#include "messages/problem.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gh::proxy_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

using socket_type = http_session::socket_type;
using executor_type = http_session::strand_type;

/// One proxied exchange on a connection taken over from its session.
class proxy_exchange : public tracked_session, public std::enable_shared_from_this<proxy_exchange> {
public:
  proxy_exchange(socket_type&& socket, beast::flat_buffer&& buffer, gateway_context& ctx,
                 std::string remote_ip, std::size_t index)
      : client_(std::move(socket)), buffer_(std::move(buffer)), ctx_(ctx),
        up_(ctx.proxy->at(index)), index_(index), remote_ip_(std::move(remote_ip)),
        timer_(client_.get_executor()), up_buffer_(ctx.limits.header_limit + proxy_chunk_bytes),
        chunk_(new char[proxy_chunk_bytes]), started_(std::chrono::steady_clock::now()) {
    ctx_.stats->connections_open.fetch_add(1, std::memory_order_relaxed);
    up_.stats().open_streams.fetch_add(1, std::memory_order_relaxed);
  }

  ~proxy_exchange() override {
    up_.stats().open_streams.fetch_sub(1, std::memory_order_relaxed);
    ctx_.stats->connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (tracker_id_ != 0)
      ctx_.tracker.remove(tracker_id_);
  }

  proxy_exchange(const proxy_exchange&) = delete;
  proxy_exchange& operator=(const proxy_exchange&) = delete;

  void run();

  // The exchange in flight finishes; the session it hands the connection to then closes it
  // (keep-alive is refused once shutting down). The grace period bounds a long stream.
  void begin_shutdown() override {}

private:
  /// What the one timer guards; each step re-arms it.
  enum class stage : std::uint8_t {
    client,   ///< the client sending its request or taking the answer: close on expiry
    upstream, ///< connecting, sending, or waiting for the answer's head: 504
    stream,   ///< silence in the middle of the upstream's body: close both
  };

  void arm(std::chrono::milliseconds after, stage s);

  /// Forgets the wait in progress: no timeout fires for what was armed before.
  void disarm();

  void on_timeout();

  proxy_pool& pool();

  // --- the request ------------------------------------------------------------------------

  void on_request_head(beast::error_code ec, std::size_t /*n*/);

  /// Decides who is calling, per the upstream's `AUTH`; false when the request was refused.
  bool authenticate(const http::request_header<>& req);
  /// What follows a caller's authentication: the rate, the limits, and on to the upstream.
  void proceed();
  /// Asks the federation's resolver who a provider's token is; `on_resolved` continues.
  void resolve_external(std::string token);
  void on_resolved(std::optional<principal> who, gh_errc error, std::string detail);

  /// The subprotocols the client offered, less `bearer` and the token behind it.
  std::string offered_protocols(const http::request_header<>& req) const;

  void prepare_upstream_request(const http::request_header<>& req, std::string_view query);

  void start_forwarding();

  /// Reads the next piece of the client's body into the chunk (the caller forwards or keeps it).
  void read_client_body();

  void on_client_body(beast::error_code ec);

  /// Sets `"user_id"` in a JSON object body; any other JSON goes on as it is.
  void inject_user_id();

  // --- the upstream connection ------------------------------------------------------------

  void connect();

  void open_connection();

  void on_connect(beast::error_code ec);

  void send_head();

  /// Sends `n` bytes of the chunk upstream; 0 ends the body.
  void send_body_piece(std::size_t n);

  void on_request_sent(beast::error_code ec);

  void read_response_head();

  /// The upstream could not be reached or did not answer: a kept-alive connection it closed in
  /// the meantime is replaced once (when the request can be sent again: no body); else 502/504.
  void upstream_failed(beast::error_code ec);

  // --- the response -----------------------------------------------------------------------

  void on_response_head(beast::error_code ec, std::size_t /*n*/);

  /// Moves the next piece of the upstream's body to the client, or ends it.
  void relay();

  /// Writes `n` bytes of the chunk to the client; 0 ends the body.
  void send_to_client(std::size_t n);

  // --- endings ----------------------------------------------------------------------------

  /// The exchange is whole: the upstream connection goes back to the pool when it may be
  /// reused, the client's back to a session when it stays open.
  void finish();

  /// Something broke mid-exchange: both connections end.
  void abort();

  void done();

  void close_client();

  void add_cors(http::fields& f) const;

  problem plain(int status, std::string_view slug, std::string_view title, std::string detail);

  /// Answers `p` before any of the upstream's answer went out. The connection stays open only
  /// when no request body is left unread; otherwise what the client still sends is read and
  /// dropped for a moment before closing, so it sees the answer rather than a reset.
  void refuse(const problem& p, bool untrusted = false);

  void linger();

  void drain(std::size_t dropped);

  socket_type client_;
  beast::flat_buffer buffer_;
  gateway_context& ctx_;
  proxy_upstream& up_;
  std::size_t index_;
  std::string remote_ip_;
  net::steady_timer::rebind_executor<executor_type>::other timer_;
  stage stage_ = stage::client;
  uint64_t generation_ = 0;
  std::chrono::steady_clock::time_point deadline_{};
  bool timer_pending_ = false;
  bool timed_out_ = false;

  std::optional<http::request_parser<http::buffer_body>> req_;
  std::optional<socket_type> upstream_;
  std::optional<net::ip::basic_resolver<net::ip::tcp, executor_type>> resolver_;
  beast::flat_buffer up_buffer_;
  http::request<http::buffer_body> up_req_;
  std::optional<http::request_serializer<http::buffer_body>> up_sr_;
  std::optional<http::response_parser<http::buffer_body>> res_;
  http::response<http::buffer_body> res_head_;
  std::optional<http::response_serializer<http::buffer_body>> res_sr_;
  std::unique_ptr<char[]> chunk_;
  std::string collected_;

  principal who_;
  std::string request_id_;
  std::string method_;
  std::string path_;
  std::string cors_origin_;
  std::vector<std::pair<std::string, std::string>> extra_;
  std::string wire_head_;
  std::string problem_body_;
  std::chrono::steady_clock::time_point started_;
  int status_ = 0;
  bool head_ = false;
  bool upgrade_ = false;
  bool bearer_protocol_ = false;
  bool has_body_ = false;
  bool collect_ = false;
  bool keep_alive_ = false;
  bool up_keep_alive_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool response_started_ = false;
  bool finished_ = false;
  uint64_t tracker_id_ = 0;
};

} // namespace gh::proxy_detail
