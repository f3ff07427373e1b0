#include "persistence/postgres/pg_database.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include <shared_mutex>
#include <unordered_map>

namespace gh::pg {

namespace {

struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// The name of each statement the process has run, the same on every connection, so a thread
/// that works on several connections never meets one name with two meanings.
class statement_names {
public:
  /// `sql`'s name; empty once `max_prepared_statements` statements have one. Every statement
  /// Gatehouse runs is built from constants, so the bound only keeps a mistake (a value written
  /// into the SQL) from growing each connection's prepared statements without end.
  std::string of(std::string_view sql) {
    {
      std::shared_lock lock{mutex_};
      if (auto it = names_.find(sql); it != names_.end())
        return it->second;
      if (names_.size() >= max_prepared_statements)
        return {};
    }
    std::unique_lock lock{mutex_};
    if (auto it = names_.find(sql); it != names_.end())
      return it->second;
    if (names_.size() >= max_prepared_statements)
      return {};
    return names_.emplace(std::string{sql}, "gh_" + std::to_string(names_.size() + 1))
        .first->second;
  }

private:
  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::string, text_hash, std::equal_to<>> names_;
};

statement_names& names() {
  static statement_names instance;
  return instance;
}

} // namespace

void prepare_session(pqxx::connection_base& conn) {
  pqxx::nontransaction tx{conn};
  // Prepared statements save the parsing; a plan is still made for each execution's values, as
  // for an unprepared statement.
  tx.exec0("SET plan_cache_mode = force_custom_plan");
}

db::rows work_transaction::exec(std::string_view sql, const std::vector<db::param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  // Registered with libpqxx unless it is known already (a lookup); PostgreSQL parses it at its
  // first use on this connection.
  const auto name = names().of(sql);
  if (!name.empty())
    tx_.conn().prepare(name, std::string{sql});
  const auto result =
      name.empty() ? tx_.exec_params(std::string{sql}, pqxx::prepare::make_dynamic_params(values))
                   : tx_.exec_prepared(name, pqxx::prepare::make_dynamic_params(values));
  db::rows out;
  out.reserve(result.size());
  for (const auto& r : result) {
    db::row converted;
    converted.reserve(r.size());
    for (const auto& field : r) {
      if (field.is_null())
        converted.emplace_back(std::nullopt);
      else
        converted.emplace_back(std::string{field.c_str(), field.size()});
    }
    out.push_back(std::move(converted));
  }
  return out;
}

void pg_database::transact(caf::event_based_actor* self, std::chrono::milliseconds timeout,
                           std::function<void(db::transaction&)> work,
                           std::function<void(const caf::error&)> done) {
  job j{[work = std::move(work)](pqxx::connection& conn) {
    pqxx::work tx{conn};
    work_transaction t{tx};
    work(t);
    tx.commit();
  }};
  self->request(pool_.next(), timeout, exec_atom_v, std::move(j))
      .then([done](bool) { done(caf::error{}); }, [done](caf::error& err) { done(err); });
}

} // namespace gh::pg
