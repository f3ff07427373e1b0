#include "tests/support/webhook_receiver.hpp"

#include "tests/support/loopback_listener.hpp"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace gh::test {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

/// Base64 (RFC 4648 §4) decoding with OpenSSL's block decoder; empty on bad input.
std::string base64_decode(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0)
    return {};
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0)
    return {};
  out.resize(static_cast<std::size_t>(n));
  if (text.ends_with("=="))
    out.resize(out.size() - 2);
  else if (text.ends_with("="))
    out.resize(out.size() - 1);
  return out;
}

std::string base64_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

} // namespace

std::string webhook_receiver::request::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

webhook_receiver::webhook_receiver() {
  const auto listener = listen_on_loopback(64, "webhook receiver");
  listen_fd_ = listener.fd;
  port_ = listener.port;
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

webhook_receiver::~webhook_receiver() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard guard{mutex_};
    threads.swap(connections_);
  }
  for (auto& t : threads)
    t.join();
}

std::string webhook_receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void webhook_receiver::answer_next(int n, int status, std::size_t body_bytes) {
  std::lock_guard guard{mutex_};
  for (int i = 0; i < n; ++i)
    scripted_.push_back({status, body_bytes, {}});
}

void webhook_receiver::stall_next(int n, std::chrono::milliseconds wait) {
  std::lock_guard guard{mutex_};
  for (int i = 0; i < n; ++i)
    scripted_.push_back({0, 0, wait});
}

std::vector<webhook_receiver::request> webhook_receiver::requests() const {
  std::lock_guard guard{mutex_};
  return requests_;
}

bool webhook_receiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (requests().size() < n) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return true;
}

void webhook_receiver::accept_loop() {
  accept_until(listen_fd_, stop_, [this](int fd) {
    std::lock_guard guard{mutex_};
    connections_.emplace_back([this, fd] { serve(fd); });
  });
}

void webhook_receiver::serve(int fd) {
  std::string data;
  std::array<char, 8192> buf{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  std::size_t header_end = std::string::npos;
  std::size_t need = 0;
  while (std::chrono::steady_clock::now() < deadline && !stop_) {
    if (header_end != std::string::npos && data.size() >= header_end + 4 + need)
      break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    const auto n = ::read(fd, buf.data(), buf.size());
    if (n <= 0)
      break;
    data.append(buf.data(), static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const auto lowered = lower(data.substr(0, header_end));
        const auto cl = lowered.find("\r\ncontent-length:");
        if (cl != std::string::npos)
          need = std::stoul(data.substr(cl + 17, lowered.find("\r\n", cl + 2) - cl - 17));
      }
    }
  }
  request r;
  r.at = std::chrono::steady_clock::now();
  if (header_end != std::string::npos) {
    const auto head = data.substr(0, header_end);
    std::size_t pos = head.find("\r\n");
    const auto line = head.substr(0, pos);
    r.method = line.substr(0, line.find(' '));
    r.target = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
    while (pos != std::string::npos && pos < head.size()) {
      const auto next = head.find("\r\n", pos + 2);
      const auto field =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const auto colon = field.find(':');
      if (colon != std::string::npos)
        r.headers[lower(field.substr(0, colon))] = trim(field.substr(colon + 1));
      pos = next;
    }
    r.body = data.substr(header_end + 4, need);
  }
  script s;
  {
    std::lock_guard guard{mutex_};
    if (!scripted_.empty()) {
      s = scripted_.front();
      scripted_.erase(scripted_.begin());
    }
    r.answered = s.status;
    requests_.push_back(r);
  }
  if (s.stall.count() > 0) {
    const auto until = std::chrono::steady_clock::now() + s.stall;
    while (!stop_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
  } else {
    const std::string body(s.body_bytes, 'x');
    const auto answer = "HTTP/1.1 " + std::to_string(s.status) +
                        " Scripted\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\nConnection: close\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < answer.size()) {
      const auto n = ::send(fd, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      sent += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
}

bool standard_webhooks_valid(const std::string& secret, const std::string& id,
                             const std::string& timestamp, const std::string& body,
                             const std::string& header) {
  if (secret.rfind("whsec_", 0) != 0)
    return false;
  const auto key = base64_decode(secret.substr(6));
  const auto content = id + "." + timestamp + "." + body;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(), &len);
  const auto expected =
      "v1," + base64_encode(std::string{reinterpret_cast<const char*>(mac.data()), len});
  std::size_t pos = 0;
  while (pos <= header.size()) {
    const auto space = header.find(' ', pos);
    if (header.substr(pos, space - pos) == expected)
      return true;
    if (space == std::string::npos)
      break;
    pos = space + 1;
  }
  return false;
}

} // namespace gh::test
