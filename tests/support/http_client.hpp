#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gh::test {

/// A response as tests look at it; header names in lower case.
struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// One request on a fresh connection to 127.0.0.1:`port`.
http_reply http_call(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});

/// Writes `raw` bytes and reads until the server closes or `timeout` passes.
std::string raw_exchange(uint16_t port, const std::string& raw,
                         std::chrono::milliseconds timeout = std::chrono::seconds{5},
                         std::chrono::milliseconds pause_before_read = {});

/// Registers a new user (random email) on the Gatehouse at `port`; its access token.
std::string signed_up_token(uint16_t port);

/// The handshake headers that authenticate a WebSocket with `access_token` (API.md: the
/// subprotocols `bearer, <JWT>`).
std::map<std::string, std::string> ws_bearer(const std::string& access_token);

/// A blocking WebSocket client of `/api/v1/ws`; the handshake sends `headers` and throws when
/// the server refuses it.
class ws_client {
public:
  explicit ws_client(uint16_t port, const std::map<std::string, std::string>& headers = {},
                     const std::string& target = "/api/v1/ws");
  ~ws_client();

  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);
  /// Sends `text` as one message split into `frames` frames (continuation frames).
  void send_fragmented(const std::string& text, std::size_t frames);
  /// The next text message; empty when the connection closed (see `close_code`, non-zero then)
  /// or when none came within `timeout` (the connection stays open and the next call goes on
  /// waiting for the same message).
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// Sends a ping and waits for its pong.
  bool ping_pong();
  /// Closes normally (1000) and waits for the server's close.
  void close();
  /// The subprotocol the server selected in the handshake (empty when none).
  const std::string& protocol() const noexcept { return protocol_; }
  /// The close code the server sent (0 while open).
  int close_code() const noexcept { return close_code_; }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  int close_code_ = 0;
  std::string protocol_;
};

} // namespace gh::test
