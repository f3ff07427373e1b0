#pragma once

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <compare>
#include <functional>
#include <string>

namespace gh {

/// Names one per-user actor: its kind (`checkout_flow`, `telegram_session`, …), its owner and a
/// key within that owner (a checkout id, an upload id; empty for one-per-user kinds).
struct user_key {
  std::string kind;
  std::string user_id;
  std::string key;

  auto operator<=>(const user_key&) const = default;
};

/// CAF inspection, so a `user_key` can travel in messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_key& x) {
  return f(x.kind, x.user_id, x.key);
}

/// Spawns the actor of one kind for `key.user_id`; it receives only messages forwarded for
/// exactly `key`.
using user_actor_factory = std::function<caf::actor(caf::local_actor* parent, const user_key& key)>;

/// How the registry treats one kind of per-user actor.
struct user_actor_kind {
  user_actor_factory spawn;
  std::chrono::milliseconds idle_timeout{900000};
  /// Called by the registry with a message it will not start an actor for (the process is
  /// draining), so that whoever waits on a reply carried inside the message hears why; the
  /// sender of a request gets the error anyway. May be empty.
  std::function<void(caf::message& refused)> refused = {};
};

} // namespace gh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::user_actor_kind)
