#pragma once

#include "actors/app.hpp"
#include "actors/event_stats.hpp"
#include "actors/user_sinks.hpp"
#include "messages/user_key.hpp"

#include <boost/json/object.hpp>
#include <nats/nats.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::events {

/// Pushes the events that concern a user to that user's open WebSockets in this process, as
/// `{"event": <type>, "data": <data>}` frames: the subjects the capabilities registered
/// (`app::add_push`), each to `data.user_id` or to the users its `audience` names. Every process
/// subscribes (a plain NATS subscription, not a shared consumer), since each holds its own
/// connections. Best effort: a user who is not connected, or an event sent while this process was
/// cut off from NATS, is not pushed later.
class user_push {
public:
  /// Hands `frame` to the per-user actor `key`, which takes the change in, then pushes.
  using actor_route = std::function<void(const user_key& key, const std::string& frame)>;

  user_push(natsConnection* conn, user_sinks& sinks, event_stats* stats,
            std::vector<push_spec> subjects, actor_route to_actor = {});
  ~user_push();

  user_push(const user_push&) = delete;
  user_push& operator=(const user_push&) = delete;

  /// Subscribes to every pushed subject; false on failure.
  bool start();
  /// Unsubscribes; idempotent.
  void stop();

  /// What one event becomes: the frame, the user it goes to (empty when the event is malformed
  /// or names no user) and, with a `key_field`, the UUID in `data[key_field]` (empty when
  /// absent or not a UUID).
  struct pushed_frame {
    std::string user;
    std::string frame;
    std::string key;
  };

  /// The frame pushed for the envelope `text`, decoded once.
  static pushed_frame frame_for(std::string_view text, std::string_view key_field = {});

  /// An event whose users a `push_audience` names: its data and its frame.
  struct audience_frame {
    boost::json::object data;
    std::string frame;
  };

  /// The data and frame of the envelope `text`; nullopt when it is malformed.
  static std::optional<audience_frame> frame_for_audience(std::string_view text);

private:
  struct subscription {
    user_push* owner = nullptr;
    push_spec spec;
    natsSubscription* sub = nullptr;
  };

  static void on_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);

  natsConnection* conn_;
  user_sinks& sinks_;
  event_stats* stats_;
  actor_route to_actor_;
  std::vector<std::unique_ptr<subscription>> subs_;
};

} // namespace gh::events
