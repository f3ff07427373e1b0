#pragma once

#include "persistence/postgres/pg_pool.hpp"
#include "persistence/sql.hpp"

namespace gh::pg {

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
