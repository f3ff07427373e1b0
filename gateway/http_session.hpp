#pragma once

#include "gateway/context.hpp"
#include "gateway/responses.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace gh {

/// One HTTP/1.1 connection: reads a request, hands it to the route's actor, writes the reply,
/// then reads the next (so pipelined requests are answered in order). Everything runs on the
/// connection's strand; actors answer through a responder that posts back onto it.
class http_session : public tracked_session, public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, gateway_context& ctx);
  ~http_session() override;

  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  /// Starts reading on the connection's strand.
  void run();

  void begin_shutdown() override;

  /// Called on the strand with the answer to request `seq` (from the responder).
  void on_answer(uint64_t seq, http_response res);

  /// The connection's strand.
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }
  /// Called on the strand with a failure for request `seq` (from the responder).
  void on_failure(uint64_t seq, gh_errc code, std::string detail, std::vector<field_error> errors);

private:
  using request_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void handle_request();
  void send_problem(const problem& p, bool keep_alive);
  void send(bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t n);
  void on_handler_timeout(uint64_t seq, boost::beast::error_code ec);
  void close();
  void log_access(int status);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  gateway_context& ctx_;
  std::optional<request_parser> parser_;
  beast_response response_;
  boost::asio::steady_timer timer_; ///< Read deadline, then handler deadline.
  std::string remote_ip_;
  std::string request_id_;
  std::string method_;
  std::string path_;
  std::size_t metrics_slot_ = 0;
  bool request_keep_alive_ = false;
  std::chrono::steady_clock::time_point started_{};
  uint64_t seq_ = 0;      ///< The request being answered (a responder for an older one is late).
  bool awaiting_ = false; ///< A handler actor owns the current request.
  bool idle_ = false;     ///< Waiting for the first byte of the next request.
  bool reading_ = false;
  bool read_timed_out_ = false;
  uint64_t tracker_id_ = 0;
};

} // namespace gh
