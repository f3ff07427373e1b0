#pragma once

#include "messages/http.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace gh {

/// WebSocket close codes Gatehouse sends (RFC 6455 section 7.4.1).
enum class ws_close : uint16_t {
  normal = 1000,
  going_away = 1001,
  unsupported_data = 1003,
  policy_violation = 1008,
  too_big = 1009,
  internal_error = 1011,
};

/// A text frame's bytes, shared by every connection it goes to: a push to all of a user's
/// WebSockets makes one copy of the frame, not one per connection.
using shared_frame = std::shared_ptr<const std::string>;

/// `text` as a frame to hand to connections.
inline shared_frame make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

/// The way an actor reaches one open WebSocket: both calls post onto the connection's strand and
/// never block, so any thread may call them.
class connection_sink {
public:
  virtual ~connection_sink() = default;

  /// A process-unique id of the connection.
  virtual uint64_t connection_id() const noexcept = 0;

  /// Queues a text frame; a connection whose queue is full is closed (slow consumer).
  virtual void push(shared_frame frame) = 0;

  /// Sends a close frame and ends the connection.
  virtual void close(ws_close code, std::string reason) = 0;
};

/// A text frame received on a WebSocket.
struct ws_frame {
  uint64_t connection_id = 0;
  /// The authenticated user, empty while the connection is anonymous.
  std::string user_id;
  std::string text;
  std::shared_ptr<connection_sink> sink;
  /// Who opened the connection, as the upgrade established it (commands run as this caller).
  principal who;
  /// The client's address, as for HTTP requests.
  std::string remote_ip;
};

/// The actor that answers console frames.
using console_actor = caf::typed_actor<caf::reacts_to<ws_frame>>;

} // namespace gh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::ws_frame)
