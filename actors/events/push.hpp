#pragma once

#include "actors/events/event_stats.hpp"
#include "actors/user_sinks.hpp"

#include <nats/nats.h>

#include <functional>
#include <string>
#include <vector>

namespace gh::events {

/// Pushes the events that concern a user to that user's open WebSockets in this process, as
/// `{"event": <type>, "data": <data>}` frames. Every process subscribes (a plain NATS
/// subscription, not a shared consumer), since each holds its own connections. Best effort: a
/// user who is not connected, or an event sent while this process was cut off from NATS, is
/// not pushed later.
class user_push {
public:
  /// Hands a `payment.completed` frame to the checkout-flow actor of (user, checkout id), which
  /// pushes it once it has taken the change in.
  using checkout_route = std::function<void(const std::string& user, const std::string& checkout,
                                            const std::string& frame)>;

  user_push(natsConnection* conn, user_sinks& sinks, event_stats* stats,
            checkout_route to_checkout = {});
  ~user_push();

  user_push(const user_push&) = delete;
  user_push& operator=(const user_push&) = delete;

  /// Subscribes to the pushed subjects (`user.updated`, `subscription.updated`,
  /// `payment.completed`); false on failure.
  bool start();
  /// Unsubscribes; idempotent.
  void stop();

  /// What one event becomes: the frame, the user it goes to (empty when the event is malformed
  /// or names no user) and, for `payment.completed`, the checkout whose actor pushes it.
  struct pushed_frame {
    std::string user;
    std::string frame;
    std::string checkout;
  };

  /// The frame pushed for the envelope `text`, decoded once.
  static pushed_frame frame_for(std::string_view text);

private:
  static void on_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);

  natsConnection* conn_;
  user_sinks& sinks_;
  event_stats* stats_;
  checkout_route to_checkout_;
  std::vector<natsSubscription*> subs_;
};

} // namespace gh::events
