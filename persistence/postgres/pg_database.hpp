#pragma once

#include "persistence/postgres/pg_pool.hpp"
#include "persistence/sql.hpp"

#include <pqxx/transaction>

namespace gh::pg {

/// At most this many distinct statements get a name and are prepared; more run unprepared.
inline constexpr std::size_t max_prepared_statements = 512;

/// Readies a new connection for `work_transaction`'s prepared statements: each execution still
/// gets a plan made for its values (`plan_cache_mode = force_custom_plan`).
void prepare_session(pqxx::connection_base& conn);

/// `db::transaction` over a libpqxx transaction (or subtransaction), for code that owns its
/// connection (a detached actor's own thread). Each statement is prepared once per connection
/// and executed by name after that, so PostgreSQL parses and analyses it once.
class work_transaction final : public db::transaction {
public:
  explicit work_transaction(pqxx::transaction_base& tx) : tx_(tx) {}

  db::rows exec(std::string_view sql, const std::vector<db::param>& params = {}) override;

private:
  pqxx::transaction_base& tx_;
};

/// `db::database` over the pool: each unit of work is one `pqxx::work` on a pool connection.
class pg_database final : public db::database {
public:
  explicit pg_database(pool& connections) : pool_(connections) {}

  void transact(caf::event_based_actor* self, std::chrono::milliseconds timeout,
                std::function<void(db::transaction&)> work,
                std::function<void(const caf::error&)> done) override;

private:
  pool& pool_;
};

} // namespace gh::pg
