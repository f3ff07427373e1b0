#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The one outbound HTTP/1.1 client every provider sends through (Boost.Beast over OpenSSL):
/// one connection at a time, blocking, run on a thread that may block.
namespace gh::http_out {

/// Header name/value pairs in the order given or received.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// The client side of TLS: the system's CA certificates, peer verification, TLS 1.2 or newer.
/// Shared by every connection of a client; thread-safe once built.
class tls_context {
public:
  tls_context();
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// The underlying `boost::asio::ssl::context`, as an opaque pointer for the implementation.
  void* native() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// One request as the client sends it.
struct request {
  std::string_view method;
  std::string target; ///< Path and query.
  header_list headers;
  std::string body; ///< Sent with `Content-Length` (even when empty for POST).
};

/// How long to wait and how much to read.
struct limits {
  std::chrono::milliseconds timeout{10000}; ///< From the request's first byte to its answer.
  std::size_t max_body = std::size_t{4} * 1024 * 1024;
  std::size_t max_header = std::size_t{64} * 1024;
  /// True: a body longer than `max_body` is cut off there (the status still counts) and the
  /// connection is not reused; false: it is an error.
  bool truncate_body = false;
};

/// What an exchange ended with.
struct response {
  int status = 0; ///< 0 when no answer arrived.
  header_list headers;
  std::string body;
  bool truncated = false;
  bool keep_alive = false;
  /// The step that failed (`write`, `read`, `timeout`); empty when an answer arrived.
  std::string error;
  /// True when the failure was the peer closing before any byte arrived (a stale kept-alive
  /// connection: safe to send again on a fresh one).
  bool closed_before_answer = false;

  /// The first header called `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

/// One outbound connection, plain or TLS (SNI and host-name verification against `host`).
class connection {
public:
  /// A connection to `host` (a name or an IP literal without brackets); `tls` null: plain.
  connection(const tls_context* tls, std::string host);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Connects to the first of `addresses` (IP literals) that answers, on `port`, within
  /// `timeout`, then completes the TLS handshake. With no addresses the host name is resolved
  /// here. The step that failed (`resolve`, `connect`, `sni`, `tls handshake`) or empty.
  std::string open(const std::vector<std::string>& addresses, const std::string& port,
                   std::chrono::milliseconds timeout);

  /// Writes `req` (with `Host`) and reads the answer under `lim`.
  response exchange(const request& req, const limits& lim);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace gh::http_out
