#pragma once

#include <nats/nats.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gh::test {

/// A JetStream message as the tests read it back.
struct stored_message {
  std::string subject;
  std::string body;
  std::map<std::string, std::string> headers;
};

/// A plain nats.c client of the test's own.
class nats_client {
public:
  explicit nats_client(const std::string& url);
  ~nats_client();
  nats_client(const nats_client&) = delete;
  nats_client& operator=(const nats_client&) = delete;

  /// Every message of `stream` (empty when it does not exist).
  std::vector<stored_message> messages(const char* stream);

  /// Publishes `body` on `subject` through JetStream with `Nats-Msg-Id: id`.
  void publish(const std::string& subject, const std::string& body, const std::string& id);

  /// The reply to a request on `subject`; empty on timeout.
  std::string request(const std::string& subject);

  /// The reply to a request with `body` on `subject` (body and headers); nullopt on timeout.
  std::optional<stored_message> request(const std::string& subject, const std::string& body,
                                        std::chrono::milliseconds timeout);

  /// Every reply to one request with `body` on `subject` that arrives within `wait` (as
  /// `nats req --replies=0` collects them).
  std::vector<stored_message> collect(const std::string& subject, const std::string& body,
                                      std::chrono::milliseconds wait);

private:
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
};

} // namespace gh::test
