#include "actors/files/files_admin.hpp"

#include "actors/files/file_rows.hpp"
#include "actors/files/requests.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"
#include "messages/event_envelope.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::files {

namespace {

using replies::req_ptr;

struct files_admin_state {
  files_admin_options opt;
};

using self_ptr = caf::stateful_actor<files_admin_state>*;

class files_admin_service {
public:
  explicit files_admin_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    opt_.keys.check_route(self_, admin_routes(), r, [this, r](const api_keys::caller&) {
      if (r->route == "/api/v1/admin/files")
        list(r);
      else
        get(r);
    });
  }

private:
  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  void list(const req_ptr& r) {
    auto decoded = decode_list_query(r->query, true);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the query is invalid", std::move(*errors));
      return;
    }
    const auto q = std::get<list_query>(std::move(decoded));
    query<db::rows>(
        r,
        [q](db::transaction& tx) {
          return tx.exec("SELECT " + file_columns +
                             " FROM files f WHERE ($1::uuid IS NULL OR f.user_id = $1::uuid) "
                             "AND ($2::bigint IS NULL OR (f.created_at, f.id) < (timestamptz "
                             "'epoch' + $2::bigint * interval '1 microsecond', $3::uuid)) "
                             "ORDER BY f.created_at DESC, f.id DESC LIMIT $4::int",
                         {q.user_id.empty() ? db::param{} : db::param{q.user_id},
                          q.after ? db::param{std::to_string(q.after->created_us)} : db::param{},
                          q.after ? db::param{q.after->id} : db::param{},
                          std::to_string(q.limit + 1)});
        },
        [this, r, limit = static_cast<std::size_t>(q.limit)](const db::rows& rows) {
          replies::json(r, 200, page_json(rows, limit, *opt_.store, opt_.url_ttl, true));
        });
  }

  void get(const req_ptr& r) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such file");
      return;
    }
    query<db::rows>(
        r,
        [id](db::transaction& tx) {
          return tx.exec("SELECT " + file_columns + " FROM files f WHERE f.id = $1::uuid", {id});
        },
        [this, r](const db::rows& rows) {
          if (rows.empty()) {
            r->reply->fail(gh_errc::not_found, "no such file");
            return;
          }
          replies::json(
              r, 200,
              file_json(file_row::from(rows.front()), *opt_.store, unix_now(), opt_.url_ttl, true));
        });
  }

  self_ptr self_;
  files_admin_options& opt_;
};

} // namespace

http_handler_actor spawn_files_admin(caf::actor_system& sys, files_admin_options options) {
  return spawn_service<files_admin_service, files_admin_state>(sys, std::move(options));
}

const std::vector<api_keys::key_route>& admin_routes() {
  static const std::vector<api_keys::key_route> all{
      {"GET", "/api/v1/admin/files", body_kind::none, "files:read"},
      {"GET", "/api/v1/admin/files/{id}", body_kind::none, "files:read"},
  };
  return all;
}

} // namespace gh::files
