#include "persistence/postgres/pg_pool.hpp"

#include "config/log.hpp"
#include "persistence/postgres/pg_database.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

namespace gh::pg {

namespace {

struct worker_state {
  std::string url;
  std::unique_ptr<pqxx::connection> conn;
  dependency_health* health = nullptr;
  bool prober = false;
  pool_options options;
  std::chrono::steady_clock::time_point next_attempt{};
  std::chrono::milliseconds backoff{100};

  /// Connects when there is no connection, with exponential backoff between failed attempts.
  bool ensure_connected() {
    if (conn && conn->is_open())
      return true;
    conn.reset();
    const auto now = std::chrono::steady_clock::now();
    if (now < next_attempt)
      return false;
    try {
      conn = std::make_unique<pqxx::connection>(url);
      {
        pqxx::nontransaction tx{*conn};
        tx.exec0("SET statement_timeout = " + std::to_string(options.statement_timeout.count()));
      }
      prepare_session(*conn);
      backoff = std::chrono::milliseconds{100};
      return true;
    } catch (const std::exception&) {
      // The message may quote the connection string; log only that it failed.
      conn.reset();
      next_attempt = now + backoff;
      backoff = std::min(backoff * 2, std::chrono::milliseconds{5000});
      return false;
    }
  }

  /// Runs `fn` on the connection, mapping failures to `gh_errc`.
  template <class Fn>
  gh_errc run(Fn&& fn) {
    if (!ensure_connected())
      return gh_errc::provider_unavailable;
    try {
      fn(*conn);
      return gh_errc::ok;
    } catch (const pqxx::broken_connection&) {
      conn.reset();
      if (health != nullptr)
        health->set(dependency::postgres, false);
      return gh_errc::provider_unavailable;
    } catch (const pqxx::in_doubt_error&) {
      conn.reset();
      return gh_errc::provider_unavailable;
    } catch (const pqxx::sql_error& e) {
      log::error("postgres statement failed", {{"sqlstate", e.sqlstate()}});
      return gh_errc::internal;
    } catch (const std::exception& e) {
      log::error("postgres job failed", {{"error", e.what()}});
      return gh_errc::internal;
    }
  }
};

worker_actor::behavior_type worker_impl(worker_actor::stateful_pointer<worker_state> self,
                                        std::string url, pool_options options,
                                        dependency_health* health, bool prober) {
  self->state.url = std::move(url);
  self->state.options = options;
  self->state.health = health;
  self->state.prober = prober;
  if (prober)
    self->send(self, probe_atom_v);
  return {
      [self](exec_atom, job& j) -> caf::result<bool> {
        if (auto code = self->state.run(j.run); code != gh_errc::ok)
          return make_error(code);
        return true;
      },
      [self](probe_atom) {
        auto& st = self->state;
        const auto code = st.run([](pqxx::connection& conn) {
          pqxx::nontransaction tx{conn};
          tx.exec1("SELECT 1");
        });
        st.health->set(dependency::postgres, code == gh_errc::ok);
        self->delayed_send(self, st.options.probe_interval, probe_atom_v);
      },
  };
}

} // namespace

pool::pool(caf::actor_system& sys, const config::secret& url, pool_options options,
           dependency_health& health) {
  for (unsigned i = 0; i < std::max(1U, options.size); ++i)
    workers_.push_back(
        sys.spawn<caf::detached>(worker_impl, url.reveal(), options, &health, i == 0));
}

pool::~pool() {
  stop();
}

const worker_actor& pool::next() noexcept {
  return workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

void pool::stop() {
  for (auto& w : workers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  workers_.clear();
}

} // namespace gh::pg
