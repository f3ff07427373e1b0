#pragma once

#include "gateway/context.hpp"
#include "gateway/request_parse.hpp"
#include "gateway/responses.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace gh {

/// One HTTP/1.1 connection: reads a request, hands it to the route's actor, writes the reply,
/// then reads the next (so pipelined requests are answered in order). Everything runs on the
/// connection's strand; actors answer through a responder that posts back onto it.
class http_session : public tracked_session, public std::enable_shared_from_this<http_session> {
public:
  /// The connection's executor: its io thread's own io_context, named by type so that no
  /// operation pays for a type-erased executor. Each io thread runs an io_context of its own,
  /// so everything of one connection runs on one thread and no strand is needed; other
  /// threads reach it only by posting.
  using strand_type = boost::asio::io_context::executor_type;
  using socket_type = boost::asio::basic_stream_socket<boost::asio::ip::tcp, strand_type>;

  /// `pending`: bytes already read from the connection (the next request's start), when a
  /// connection comes back from the proxy after an exchange.
  http_session(socket_type&& socket, gateway_context& ctx,
               boost::beast::flat_buffer&& pending = {});
  ~http_session() override;

  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  /// Starts reading on the connection's strand.
  void run();

  void begin_shutdown() override;

  /// Called on the strand with the answer to request `seq` (from the responder).
  void on_answer(uint64_t seq, http_response res);

  /// The connection's strand.
  strand_type executor() { return socket_.get_executor(); }
  /// Called on the strand with a failure for request `seq` (from the responder).
  void on_failure(uint64_t seq, gh_errc code, std::string detail, std::vector<field_error> errors);

private:
  /// What the connection is waiting for; each has its own deadline.
  enum class phase : std::uint8_t {
    none,      ///< Nothing to time: between two steps, or closed.
    idle,      ///< The first byte of the next request (GATEHOUSE_IDLE_TIMEOUT: close quietly).
    reading,   ///< The rest of a started request (GATEHOUSE_READ_TIMEOUT: 408).
    awaiting,  ///< The handler actor's answer (GATEHOUSE_HANDLER_TIMEOUT: 503).
    writing,   ///< The peer taking the response (GATEHOUSE_READ_TIMEOUT: close).
    lingering, ///< Dropping what the client still sends after a refusal (`linger_time`).
  };

  /// Bytes asked of the socket per read.
  static constexpr std::size_t read_chunk = 16 * 1024;
  /// How long a refused request's remaining bytes are read and dropped before closing.
  static constexpr std::chrono::milliseconds linger_time{5000};

  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void read_request();
  void parse_more();
  void read_more();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void handle_request();
  void send_problem(const problem& p, bool keep_alive);
  void send(bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t n);
  void linger();
  void drain();
  void close();
  void log_access(int status);

  /// Enters `p` with a deadline `timeout` from now. The one timer is moved only when the new
  /// deadline is earlier than the one it waits for; a later one is picked up when it fires,
  /// so a busy keep-alive connection does not arm and cancel timers on every request.
  void watch(phase p, std::chrono::milliseconds timeout);
  void arm_watchdog();
  void on_watchdog(uint64_t generation, boost::beast::error_code ec);
  void on_deadline();

  socket_type socket_;
  boost::beast::flat_buffer buffer_;
  gateway_context& ctx_;
  std::optional<request_parser> parser_;
  beast_response response_;
  std::string wire_head_; ///< The status line and fields of the response being written.
  boost::asio::steady_timer::rebind_executor<strand_type>::other watchdog_;
  std::chrono::steady_clock::time_point deadline_{};
  phase phase_ = phase::none;
  bool watchdog_pending_ = false;
  uint64_t watchdog_generation_ = 0; ///< Tells a superseded wait from the current one.
  std::string remote_ip_;
  std::string request_id_;
  std::string method_;
  std::string cors_origin_; ///< The request's Origin when it is a listed front end.
  std::string path_;
  std::size_t metrics_slot_ = 0;
  bool request_keep_alive_ = false;
  std::chrono::steady_clock::time_point started_{};
  uint64_t seq_ = 0;      ///< The request being answered (a responder for an older one is late).
  bool awaiting_ = false; ///< A handler actor owns the current request.
  bool read_timed_out_ = false;
  bool continue_sent_ = false; ///< `100 Continue` went out for the request being read.
  bool linger_ = false;        ///< Close through `linger` once the answer is written.
  bool head_ = false;          ///< The request was HEAD: the answer goes without its body.
  uint64_t tracker_id_ = 0;
};

} // namespace gh
