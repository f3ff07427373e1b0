#include "tests/support/smtp_sink.hpp"

#include "tests/support/loopback_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace gh::test {

namespace {

bool send_all(int fd, const std::string& text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto n = ::send(fd, text.data() + at, text.size() - at, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

/// Reads one CRLF-terminated line (without the CRLF) from `fd`, buffering in `pending`.
bool read_line(int fd, std::string& pending, std::string& line) {
  for (;;) {
    if (auto end = pending.find("\r\n"); end != std::string::npos) {
      line = pending.substr(0, end);
      pending.erase(0, end + 2);
      return true;
    }
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string address_in(const std::string& line) {
  const auto open = line.find('<');
  const auto close = line.find('>', open);
  if (open == std::string::npos || close == std::string::npos)
    return {};
  return line.substr(open + 1, close - open - 1);
}

} // namespace

smtp_sink::smtp_sink() {
  const auto listener = listen_on_loopback(16, "smtp sink");
  listen_fd_ = listener.fd;
  port_ = listener.port;
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

smtp_sink::~smtp_sink() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  for (auto& t : connections_)
    t.join();
}

void smtp_sink::refuse_next(int n, int reply) {
  refuse_reply_ = reply;
  refuse_ = n;
}

std::vector<smtp_sink::message> smtp_sink::messages() const {
  std::lock_guard guard{mutex_};
  return messages_;
}

std::size_t smtp_sink::count_to(const std::string& recipient) const {
  std::lock_guard guard{mutex_};
  return static_cast<std::size_t>(
      std::count_if(messages_.begin(), messages_.end(), [&](const message& m) {
        return std::find(m.recipients.begin(), m.recipients.end(), recipient) != m.recipients.end();
      }));
}

bool smtp_sink::wait_for(const std::string& recipient, std::size_t n,
                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (count_to(recipient) < n) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return true;
}

void smtp_sink::accept_loop() {
  accept_until(listen_fd_, stop_, [this](int fd) {
    std::lock_guard guard{mutex_};
    connections_.emplace_back([this, fd] { serve(fd); });
  });
}

void smtp_sink::serve(int fd) {
  // A client that stalls is cut off after 10 s so the sink's destructor never hangs.
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string pending;
  std::string line;
  message current;
  send_all(fd, "220 127.0.0.1 gatehouse-test-sink ESMTP\r\n");
  while (!stop_ && read_line(fd, pending, line)) {
    const auto verb = upper(line.substr(0, 4));
    if (verb == "EHLO") {
      send_all(fd, "250-127.0.0.1\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n");
    } else if (verb == "HELO") {
      send_all(fd, "250 127.0.0.1\r\n");
    } else if (verb == "MAIL") {
      current = {};
      current.from = address_in(line);
      send_all(fd, "250 OK\r\n");
    } else if (verb == "RCPT") {
      current.recipients.push_back(address_in(line));
      send_all(fd, "250 OK\r\n");
    } else if (verb == "DATA") {
      send_all(fd, "354 end with <CRLF>.<CRLF>\r\n");
      std::string data;
      bool complete = false;
      while (read_line(fd, pending, line)) {
        if (line == ".") {
          complete = true;
          break;
        }
        data += (line.starts_with("..") ? line.substr(1) : line) + "\r\n";
      }
      if (!complete)
        break;
      int left = refuse_.load();
      while (left > 0 && !refuse_.compare_exchange_weak(left, left - 1)) {
      }
      if (left > 0) {
        ++refused_;
        send_all(fd, std::to_string(refuse_reply_.load()) + " refused by the test\r\n");
        continue;
      }
      current.data = std::move(data);
      {
        std::lock_guard guard{mutex_};
        current.accepted = std::chrono::system_clock::now();
        messages_.push_back(current);
      }
      send_all(fd, "250 queued\r\n");
    } else if (verb == "RSET" || verb == "NOOP") {
      send_all(fd, "250 OK\r\n");
    } else if (verb == "QUIT") {
      send_all(fd, "221 bye\r\n");
      break;
    } else {
      send_all(fd, "502 not implemented\r\n");
    }
  }
  ::close(fd);
}

std::string decoded_parts(const std::string& rfc5322) {
  std::string out;
  std::size_t at = 0;
  const std::string marker = "Content-Transfer-Encoding: base64\r\n\r\n";
  while ((at = rfc5322.find(marker, at)) != std::string::npos) {
    at += marker.size();
    const auto end = rfc5322.find("\r\n--", at);
    std::string b64;
    for (char c : rfc5322.substr(at, end - at))
      if (c != '\r' && c != '\n')
        b64 += c;
    std::string decoded(b64.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                  reinterpret_cast<const unsigned char*>(b64.data()),
                                  static_cast<int>(b64.size()));
    if (n > 0) {
      decoded.resize(static_cast<std::size_t>(n));
      while (!decoded.empty() && decoded.back() == '\0')
        decoded.pop_back(); // EVP_DecodeBlock counts the padding's bytes
      out += decoded;
    }
    at = end;
  }
  return out;
}

} // namespace gh::test
