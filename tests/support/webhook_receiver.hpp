#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {

/// An HTTP/1.1 server for tests on 127.0.0.1 that receives webhooks: it keeps every request
/// (headers with lower-case names, body, arrival time) and answers 204, or what the test
/// scripted for the next requests (a status, or silence for a while to drill timeouts). One
/// request per connection; `Connection: close` answers.
class webhook_receiver {
public:
  /// One received request.
  struct request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;
    std::string body;
    std::chrono::steady_clock::time_point at;
    int answered = 0; ///< the status sent back (0: none, the receiver kept silent)

    std::string header(const std::string& name) const;
  };

  webhook_receiver();
  ~webhook_receiver();

  webhook_receiver(const webhook_receiver&) = delete;
  webhook_receiver& operator=(const webhook_receiver&) = delete;

  uint16_t port() const noexcept { return port_; }
  /// `http://127.0.0.1:<port><path>`.
  std::string url(const std::string& path = "/hook") const;

  /// Answers the next `n` requests with `status` (and a body of `body_bytes` bytes).
  void answer_next(int n, int status, std::size_t body_bytes = 0);
  /// Keeps silent for `wait` on the next `n` requests, then closes.
  void stall_next(int n, std::chrono::milliseconds wait);

  std::vector<request> requests() const;
  /// Waits until at least `n` requests arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

private:
  struct script {
    int status = 204;
    std::size_t body_bytes = 0;
    std::chrono::milliseconds stall{0};
  };
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<script> scripted_;
  std::vector<request> requests_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

/// Verifies a Standard Webhooks delivery the way a receiver's library does, written
/// independently of Gatehouse's signer: `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>` where
/// key is the base64-decoded part of `secret` after `whsec_`; true when any signature of the
/// space-separated `header` matches.
bool standard_webhooks_valid(const std::string& secret, const std::string& id,
                             const std::string& timestamp, const std::string& body,
                             const std::string& header);

} // namespace gh::test
