#pragma once

#include "actors/metrics.hpp"
#include "messages/type_ids.hpp"
#include "messages/user_key.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/behavior.hpp>
#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>

namespace gh {

/// Options of the registry.
struct registry_options {
  std::map<std::string, user_actor_kind, std::less<>> kinds;
  /// How often idle actors are looked for; idle actors live at most timeout + interval.
  std::chrono::milliseconds sweep_interval{1000};
  /// Where live counts per kind are published (may be null).
  metrics* stats = nullptr;
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
};

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
/// Every spawned actor is monitored and forgotten when it dies; one idle longer than its kind's
/// timeout is stopped. The registry is dynamically typed because it forwards messages of every
/// kind; messages reach an actor only through its exact key, so one user's messages can never
/// reach another user's actor.
caf::behavior registry_impl(caf::stateful_actor<registry_state>* self, registry_options options);

/// Spawns the registry.
caf::actor spawn_registry(caf::actor_system& sys, registry_options options);

} // namespace gh
