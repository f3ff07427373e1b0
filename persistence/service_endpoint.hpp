#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace gh::nats {

/// What an endpoint handler answers: a body, or an error code and description that travel in
/// the `Nats-Service-Error` / `Nats-Service-Error-Code` headers (ADR-32).
struct endpoint_reply {
  std::string body;
  int error_code = 0; ///< 0: success
  std::string error;
};

/// One request/reply endpoint of the service.
struct endpoint {
  std::string name;
  std::string subject;
  std::function<endpoint_reply(std::string_view request)> handler;
  /// Every instance answers (no queue group), so a requester collecting several replies hears
  /// from each one; otherwise one instance of queue group `q` does.
  bool fan_out = false;
};

} // namespace gh::nats
