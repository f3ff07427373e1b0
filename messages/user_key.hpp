#pragma once

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>
#include <caf/response_promise.hpp>

#include <chrono>
#include <compare>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

/// How messages reach an actor of one kind when another instance owns it (DESIGN.md "Growing
/// past one machine"). The text between the two sides is the kind's own.
struct user_actor_remote {
  /// What becomes of the owner's answer on the instance that sent the message: the text the
  /// owner's `incoming` answered, or an error when none came.
  using answer_fn = std::function<void(caf::expected<std::string> answer)>;
  /// Where the owner's `incoming` sends its answer; callable once, from any thread.
  using reply_fn = std::function<void(std::string answer)>;

  /// On an instance that does not own the actor: the text that carries `msg` to the owner and
  /// what to do with its answer (`promise` is the requester's, pending when `msg` was a
  /// request). Empty when `msg` does not travel: the function did with it what an instance
  /// without the actor does (a pushed frame goes to the WebSockets here).
  std::function<std::optional<std::pair<std::string, answer_fn>>(
      const user_key& key, caf::message& msg, caf::response_promise& promise)>
      outgoing;
  /// On the owner: hands the message `text` carries to `actor` and sends the answer through
  /// `reply`. False (and `reply` never called) when `text` is malformed.
  std::function<bool(caf::event_based_actor* self, const caf::actor& actor, std::string_view text,
                     reply_fn reply)>
      incoming;
};

/// How the registry treats one kind of per-user actor.
struct user_actor_kind {
  user_actor_factory spawn;
  std::chrono::milliseconds idle_timeout{900000};
  /// Called by the registry with a message it will not start an actor for (the process is
  /// draining), so that whoever waits on a reply carried inside the message hears why; the
  /// sender of a request gets the error anyway. May be empty.
  std::function<void(caf::message& refused)> refused = {};
  /// Set for kinds whose actors one instance owns at a time, through a lease, with messages
  /// from other instances forwarded to it; unset: each instance runs its own.
  user_actor_remote remote = {};
};

} // namespace gh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::user_actor_kind)
