#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {

/// An SMTP server for tests on 127.0.0.1 (RFC 5321 without TLS or AUTH: EHLO, MAIL, RCPT, DATA,
/// RSET, NOOP, QUIT) that keeps every accepted message and can refuse the next DATA commands
/// with a chosen reply, to drill temporary and permanent failures.
class smtp_sink {
public:
  /// One accepted message.
  struct message {
    std::string from;
    std::vector<std::string> recipients;
    std::string data; ///< The message text, dot-unstuffed, CRLF line ends.
    std::chrono::system_clock::time_point accepted; ///< When the sink answered the DATA with 250.
  };

  smtp_sink();
  ~smtp_sink();

  smtp_sink(const smtp_sink&) = delete;
  smtp_sink& operator=(const smtp_sink&) = delete;

  uint16_t port() const noexcept { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  /// Answers the next `n` DATA commands with `reply` (e.g. 451 temporary, 550 permanent).
  void refuse_next(int n, int reply = 451);

  /// Every accepted message so far.
  std::vector<message> messages() const;
  /// Accepted messages for `recipient`.
  std::size_t count_to(const std::string& recipient) const;
  /// DATA commands refused so far.
  int refused() const noexcept { return refused_.load(); }

  /// Waits until `count_to(recipient)` reaches `n`; false on timeout.
  bool wait_for(const std::string& recipient, std::size_t n, std::chrono::milliseconds timeout);

private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> refuse_{0};
  std::atomic<int> refuse_reply_{451};
  std::atomic<int> refused_{0};
  mutable std::mutex mutex_;
  std::vector<message> messages_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

/// The decoded text of every `Content-Transfer-Encoding: base64` part of `rfc5322`, joined.
std::string decoded_parts(const std::string& rfc5322);

} // namespace gh::test
