#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {

/// An internal service for proxy tests: a Beast HTTP/1.1 server on 127.0.0.1 (port 0) with
/// kept-alive connections, one thread per connection, that keeps every request it receives
/// (header names in lower case) and answers by target path:
///
/// - `/sse` and `/create-plan`: `text/event-stream`, chunked: `data: first`, then after `sse_gap`
/// `data: second`;
/// - `/bytes?n=N`: N bytes (`Content-Length`), written 64 KiB at a time;
/// - `/forever`: a chunk every 20 ms until the peer goes away (counted in `broken_streams`);
/// - `/slow?ms=N`: waits N ms before answering like `/echo`;
/// - `/ws`: a WebSocket that says `hello` first and then answers each message `echo:<message>`;
/// - anything else: 200 `application/json` with the request body echoed.
class upstream_server {
public:
  /// One received request.
  struct request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers; ///< last value per lower-case name
    std::vector<std::string> names;             ///< every field name as received, lower case
    std::string body;
    uint64_t connection = 0; ///< which connection carried it (1, 2, …)

    std::string header(const std::string& name) const;
  };

  upstream_server();
  ~upstream_server();

  upstream_server(const upstream_server&) = delete;
  upstream_server& operator=(const upstream_server&) = delete;

  uint16_t port() const noexcept { return port_; }
  std::string url(const std::string& base = {}) const;

  std::vector<request> requests() const;
  /// The latest request, or an empty one.
  request last() const;
  /// Connections accepted so far.
  uint64_t connections() const noexcept { return connections_.load(); }
  /// Streams that ended because the peer went away while the server was writing.
  uint64_t broken_streams() const noexcept { return broken_.load(); }
  /// When the latest `/sse` answer began writing its last event (stored before it is sent).
  std::chrono::steady_clock::time_point sse_finished() const;

  std::chrono::milliseconds sse_gap{1500};

private:
  void accept_loop();
  void serve(int fd, uint64_t id);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> broken_{0};
  mutable std::mutex mutex_;
  std::vector<request> requests_;
  std::vector<int> open_fds_;
  std::chrono::steady_clock::time_point sse_finished_{};
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

} // namespace gh::test
