#pragma once

#include "actors/metrics.hpp"
#include "actors/placement.hpp"
#include "messages/type_ids.hpp"
#include "messages/user_key.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/behavior.hpp>
#include <caf/local_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace gh {

/// Options of the registry.
struct registry_options {
  std::map<std::string, user_actor_kind, std::less<>> kinds;
  /// How often idle actors are looked for; idle actors live at most timeout + interval.
  std::chrono::milliseconds sweep_interval{1000};
  /// Where live counts per kind are published (may be null).
  metrics* stats = nullptr;
  /// Leases and forwarding across instances; off while `placement.leases` is null.
  registry_placement placement = {};
};

/// State of the registry: one entry per live per-user actor.
struct registry_state {
  struct entry {
    caf::actor handle;
    caf::actor_clock::time_point last_used;
  };
  using entries = std::map<user_key, entry>;
  registry_options options;
  entries by_key;
  /// The entry of each live actor by its address, for its down message. An iterator, not a
  /// second copy of the key: the registry's bookkeeping is part of every idle actor's cost
  /// (bench/actors.sh).
  std::unordered_map<caf::actor_addr, entries::iterator> by_addr;
  std::map<std::string, int64_t, std::less<>> live;
  /// Set by `drain_atom`: no new actor is spawned, and none idles longer than `drain_idle`.
  bool draining = false;
  caf::timespan drain_idle{0};
  uint64_t spawned = 0;
  uint64_t reaped = 0;
  uint64_t crashed = 0;

  // --- placement across instances (kinds with a `remote` codec) -----------------------------

  /// A message for an actor whose owner is being asked or answered: one sent here (`msg`, and
  /// `promise` for its requester), or one another instance forwarded (`text`, `reply_to`).
  struct waiting {
    caf::message msg;
    caf::response_promise promise;
    std::string text;
    std::string reply_to;
    int attempts = 0; ///< how often its owner was looked for again (moved, gone)
  };
  /// Messages waiting for the keeper's word, by key; `gone` is the owner that stopped answering.
  struct placing_entry {
    std::string gone;
    std::vector<waiting> items;
  };
  std::map<user_key, placing_entry> placing;
  /// Messages sent to their owner, by token, until it answers or the wait times out.
  struct forwarded_entry {
    user_key key;
    std::string owner;
    waiting item;
    std::function<void(caf::expected<std::string>)> on_answer;
  };
  std::unordered_map<uint64_t, forwarded_entry> forwarded;
  /// The owner of each key last forwarded to, so a message to it needs no lookup; dropped when
  /// it does not answer as the owner.
  std::map<user_key, std::string> owners;
  uint64_t next_token = 0;
  caf::actor keeper;
};

/// What became of a message forwarded to its owner, as `answer_atom` carries it.
namespace forward_outcome {
inline constexpr int answered = 0;       ///< the owner (or its link, to a probe) answered
inline constexpr int nobody_listens = 1; ///< no subscriber on the owner's subject
inline constexpr int timed_out = 2;      ///< no answer within `remote_timeout`
inline constexpr int probe_due = 3;      ///< time to ask whether the owner still listens
} // namespace forward_outcome

/// The registry of per-user actors.
///
/// - `(forward_atom, user_key, caf::message)`: finds or spawns the actor of that key and
///   delegates the message to it, so its reply goes straight back to the requester; a kind
///   that was never registered answers `gh_errc::not_found`.
/// - `(add_atom, std::string kind, user_actor_kind)` -> `bool`: registers (or replaces) a kind;
///   capability modules add theirs at start, before any message is forwarded.
/// - `(count_atom)` -> `uint64_t`: live actors; `(count_atom, std::string kind)` -> of a kind.
/// - `(stats_atom)` -> `(uint64_t spawned, uint64_t reaped, uint64_t crashed)`.
/// - `(drain_atom, int64_t idle_ms)` -> `std::vector<std::string>`: from now on a key without
///   a live actor answers `gh_errc::provider_unavailable` (after its kind's `refused` hook saw
///   the message) instead of spawning one, and an actor
///   idle for `idle_ms` (or its kind's timeout, if shorter) is stopped; stops those idle that
///   long already and answers their kinds, one entry per stopped actor. Never undone.
///
/// With `options.placement.leases` set, an actor of a kind with a `remote` codec lives on one
/// instance at a time (DESIGN.md "Growing past one machine"): a key without a local actor is
/// looked up in the leases (the keeper, `actors/placement.hpp`); a free one is taken and the
/// actor spawned here; one owned elsewhere gets the message as the kind's text over the owner
/// channel, and its answer back. An owner that no longer answers (nobody listens on its
/// subject) is taken over, and the message delivered here; one that answers "moved" is looked
/// up again. While the store cannot be reached, actors are spawned here as without placement.
/// More messages:
/// - `(remote_atom, std::string envelope, std::string reply_to)`: a message another instance
///   forwarded (from the owner channel's request sink).
/// - `(answer_atom, uint64_t token, int outcome, std::string body)`: an owner's answer, or the
///   lack of one (`forward_outcome`); a probe's answer comes back with the token's top bit set:
///   an owner that died with the message on its way is taken over at once.
/// - `(lost_atom, user_key)`: the keeper lost that lease; the actor here is stopped.
/// - `(add_atom, registry_placement)` -> `bool`: turns placement on (once the owner channel,
///   whose sinks send to the registry, exists); before that, messages are placed locally.
/// - `(release_atom)` -> `bool`: ends placement (shutdown): leases given up, forwarded
///   messages answered `provider_unavailable`.
///
/// Every spawned actor is monitored and forgotten when it dies; one idle longer than its kind's
/// timeout is stopped. The registry is dynamically typed because it forwards messages of every
/// kind; messages reach an actor only through its exact key, so one user's messages can never
/// reach another user's actor.
caf::behavior registry_impl(caf::stateful_actor<registry_state>* self, registry_options options);

/// Spawns the registry.
caf::actor spawn_registry(caf::actor_system& sys, registry_options options);

/// The owner channel's sinks that hand what arrives to `registry` (`remote_atom`,
/// `answer_atom`).
owner_channel::request_sink registry_request_sink(caf::actor registry);
owner_channel::answer_sink registry_answer_sink(caf::actor registry);

} // namespace gh
