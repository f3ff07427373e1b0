#include "persistence/postgres/pg_database.hpp"

#include <pqxx/result>
#include <pqxx/transaction>

namespace gh::pg {

db::rows work_transaction::exec(std::string_view sql, const std::vector<db::param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  const auto result = tx_.exec_params(std::string{sql}, pqxx::prepare::make_dynamic_params(values));
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
