#include "actors/files/file_reads.hpp"

#include "actors/files/file_rows.hpp"
#include "actors/files/requests.hpp"
#include "messages/event_envelope.hpp"

namespace gh::files {

void list_files(caf::event_based_actor* self, const read_options& o, const replies::req_ptr& r,
                const std::string& owner, bool operators) {
  auto decoded = decode_list_query(r->query, operators);
  if (auto* errors = std::get_if<field_errors>(&decoded)) {
    r->reply->fail(gh_errc::validation, "the query is invalid", std::move(*errors));
    return;
  }
  const auto q = std::get<list_query>(std::move(decoded));
  const auto user = operators ? q.user_id : owner;
  replies::query<db::rows>(
      self, *o.db, o.db_timeout, r,
      [q, user](db::transaction& tx) {
        return tx.exec(
            "SELECT " + file_columns +
                " FROM files f WHERE ($1::uuid IS NULL OR f.user_id = $1::uuid) "
                "AND ($2::bigint IS NULL OR (f.created_at, f.id) < (timestamptz 'epoch' + "
                "$2::bigint * interval '1 microsecond', $3::uuid)) "
                "ORDER BY f.created_at DESC, f.id DESC LIMIT $4::int",
            {user.empty() ? db::param{} : db::param{user},
             q.after ? db::param{std::to_string(q.after->created_us)} : db::param{},
             q.after ? db::param{q.after->id} : db::param{}, std::to_string(q.limit + 1)});
      },
      [o, r, operators, limit = static_cast<std::size_t>(q.limit)](const db::rows& rows) {
        replies::json(r, 200, page_json(rows, limit, *o.store, o.url_ttl, operators));
      });
}

void get_file(caf::event_based_actor* self, const read_options& o, const replies::req_ptr& r,
              const std::string& owner, bool operators) {
  const std::string id{r->param("id")};
  if (!is_uuid(id) || (!operators && owner.empty())) {
    r->reply->fail(gh_errc::not_found, "no such file");
    return;
  }
  replies::query<db::rows>(
      self, *o.db, o.db_timeout, r,
      [id, user = operators ? std::string{} : owner](db::transaction& tx) {
        return tx.exec("SELECT " + file_columns +
                           " FROM files f WHERE f.id = $1::uuid AND ($2::uuid IS NULL OR "
                           "f.user_id = $2::uuid)",
                       {id, user.empty() ? db::param{} : db::param{user}});
      },
      [o, r, operators](const db::rows& rows) {
        if (rows.empty()) {
          r->reply->fail(gh_errc::not_found, "no such file");
          return;
        }
        replies::json(
            r, 200,
            file_json(file_row::from(rows.front()), *o.store, unix_now(), o.url_ttl, operators));
      });
}

} // namespace gh::files
