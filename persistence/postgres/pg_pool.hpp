#pragma once

#include "config/secret.hpp"
#include "messages/gh_errc.hpp"
#include "messages/type_ids.hpp"
#include "persistence/health.hpp"

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_actor.hpp>
#include <pqxx/connection>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace gh::pg {

/// Work that runs on a pool connection, on the worker's own thread (libpqxx: a connection and
/// everything made from it belongs to one thread).
struct job {
  std::function<void(pqxx::connection&)> run;
};

/// A detached actor that owns one connection and runs jobs on it, one at a time. Replies
/// `provider_unavailable` while PostgreSQL cannot be reached and `internal` when the job throws;
/// `probe_atom` makes it check the server and re-arm itself.
using worker_actor =
    caf::typed_actor<caf::replies_to<exec_atom, job>::with<bool>, caf::reacts_to<probe_atom>>;

/// Tunables of the pool.
struct pool_options {
  unsigned size = 4;
  std::chrono::milliseconds statement_timeout{30000};
  std::chrono::milliseconds probe_interval{1000};
};

/// A fixed set of worker actors, each owning one PostgreSQL connection, that reconnect by
/// themselves; worker 0 also probes the server and reports it in `dependency_health`.
class pool {
public:
  pool(caf::actor_system& sys, const config::secret& url, pool_options options,
       dependency_health& health);
  ~pool();

  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// The next worker, round robin.
  const worker_actor& next() noexcept;

  /// Runs `fn` on a pool connection and hands its result (or the error) to `done` in `self`'s
  /// context. `fn` runs on the worker's thread and must not touch `self`'s state.
  template <class T, class Fn, class Done>
  void query(caf::event_based_actor* self, std::chrono::milliseconds timeout, Fn fn, Done done) {
    auto out = std::make_shared<std::optional<T>>();
    job j{[out, fn = std::move(fn)](pqxx::connection& conn) { out->emplace(fn(conn)); }};
    self->request(next(), timeout, exec_atom_v, std::move(j))
        .then([out, done](bool) mutable { done(caf::expected<T>{std::move(**out)}); },
              [done](caf::error& err) mutable { done(caf::expected<T>{std::move(err)}); });
  }

  /// Stops every worker; their connections close on their threads.
  void stop();

private:
  std::vector<worker_actor> workers_;
  std::atomic<std::size_t> next_{0};
};

} // namespace gh::pg

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::pg::job)
