#include "actors/user_lifecycle.hpp"

#include "actors/outbox.hpp"

#include <boost/json/object.hpp>

namespace gh {

std::vector<std::string> end_sessions(db::transaction& tx, const std::string& user_id,
                                      std::string_view reason, const std::string& keep) {
  auto rows = tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = $2 "
                      "WHERE user_id = $1::uuid AND revoked_at IS NULL AND id::text <> $3 "
                      "RETURNING id::text",
                      {user_id, std::string{reason}, keep});
  std::vector<std::string> ended;
  ended.reserve(rows.size());
  for (const auto& row : rows)
    ended.push_back(db::text(row, 0));
  return ended;
}

std::optional<std::vector<std::string>> disable_user(db::transaction& tx,
                                                     const std::string& user_id) {
  auto rows = tx.exec("UPDATE users SET status = 'disabled', updated_at = now() "
                      "WHERE id = $1::uuid RETURNING 1",
                      {user_id});
  if (rows.empty())
    return std::nullopt;
  return end_sessions(tx, user_id, "disabled");
}

std::optional<std::vector<std::string>> delete_user(db::transaction& tx, const std::string& user_id,
                                                    const std::string& tenant_id) {
  auto ended = end_sessions(tx, user_id, "account_deleted");
  auto rows = tx.exec("DELETE FROM users WHERE id = $1::uuid AND tenant_id = $2::uuid "
                      "RETURNING id",
                      {user_id, tenant_id});
  if (rows.empty())
    return std::nullopt;
  events::write(tx, "user.deleted", tenant_id, boost::json::object{{"user_id", user_id}});
  return ended;
}

} // namespace gh
