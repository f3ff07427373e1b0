#include "actors/files/files_service.hpp"

#include "actors/files/file_reads.hpp"
#include "actors/files/file_rows.hpp"
#include "actors/files/requests.hpp"
#include "actors/files/upload_flow.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <type_traits>

namespace gh::files {

namespace json = boost::json;

namespace {

using replies::req_ptr;

struct files_state {
  files_options opt;
};

using self_ptr = caf::stateful_actor<files_state>*;

std::string size_text(int64_t bytes) {
  return std::to_string(bytes) + " bytes";
}

class files_service {
public:
  explicit files_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    if (!r->auth.is_user()) {
      r->reply->fail(gh_errc::unauthorized, "sign in first");
      return;
    }
    const auto& route = r->route;
    if (route == "/api/v1/files/upload")
      upload(r);
    else if (route == "/api/v1/files/{id}/complete")
      ask_upload_actor(r, complete_atom_v);
    else if (route == "/api/v1/files" && r->method == "GET")
      list_files(self_, reads(), r, r->auth.user_id, false);
    else if (route == "/api/v1/files/{id}" && r->method == "GET")
      get_file(self_, reads(), r, r->auth.user_id, false);
    else if (route == "/api/v1/files/{id}" && r->method == "DELETE")
      ask_upload_actor(r, delete_atom_v);
    else
      r->reply->fail(gh_errc::not_found, "no such files route");
  }

private:
  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  // --- upload -------------------------------------------------------------------------------

  void upload(const req_ptr& r) {
    auto decoded = decode_upload(r->body);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the upload request is invalid", std::move(*errors));
      return;
    }
    auto req = std::get<upload_request>(std::move(decoded));
    // The size first (413), then the type (415), then the quota (409).
    if (req.size > opt_.max_bytes) {
      r->reply->fail(gh_errc::payload_too_large,
                     "a file may hold at most " + size_text(opt_.max_bytes));
      return;
    }
    if (!type_allowed(media_type(req.content_type), opt_.allowed_types)) {
      r->reply->fail(gh_errc::unsupported_media_type,
                     "files of type " + media_type(req.content_type) + " are not accepted here");
      return;
    }
    file_row f;
    f.id = crypto::random_uuid();
    f.user_id = r->auth.user_id;
    f.tenant_id = r->auth.tenant_id;
    f.filename = std::move(req.filename);
    f.content_type = std::move(req.content_type);
    f.size = req.size;
    f.status = "pending";
    f.sha256 = std::move(req.sha256);
    f.storage_key = storage::object_key(f.tenant_id, f.user_id, f.id);
    const auto now = unix_now();
    f.upload_expires_at = now + opt_.url_ttl;
    query<bool>(
        r,
        [f, quota = opt_.quota_bytes](db::transaction& tx) {
          // The user's row is locked until commit, so concurrent uploads are reserved one after
          // another against the quota and never together past it.
          tx.exec("INSERT INTO file_quotas (user_id) VALUES ($1::uuid) ON CONFLICT DO NOTHING",
                  {f.user_id});
          auto reserved =
              tx.exec("UPDATE file_quotas SET reserved_bytes = reserved_bytes + $2::bigint "
                      "WHERE user_id = $1::uuid AND reserved_bytes + $2::bigint <= $3::bigint "
                      "RETURNING reserved_bytes",
                      {f.user_id, std::to_string(f.size), std::to_string(quota)});
          if (reserved.empty())
            return false;
          tx.exec("INSERT INTO files (id, tenant_id, user_id, filename, content_type, size, "
                  "sha256, status, storage_key, upload_expires_at) VALUES ($1::uuid, $2::uuid, "
                  "$3::uuid, $4, $5, $6::bigint, $7, 'pending', $8, to_timestamp($9::bigint))",
                  {f.id, f.tenant_id, f.user_id, f.filename, f.content_type, std::to_string(f.size),
                   f.sha256.empty() ? db::param{} : db::param{f.sha256}, f.storage_key,
                   std::to_string(f.upload_expires_at)});
          return true;
        },
        [this, r, f, now](bool reserved) {
          if (!reserved) {
            r->reply->fail(gh_errc::quota_exceeded,
                           "this upload would take you past your quota of " +
                               size_text(opt_.quota_bytes));
            return;
          }
          // The upload's own actor starts now and follows it to completion or expiry.
          caf::anon_send(opt_.registry, forward_atom_v,
                         user_key{std::string{upload_kind}, f.user_id, f.id},
                         caf::make_message(refresh_atom_v));
          const auto target = opt_.store->upload_url(f.object(), now, opt_.url_ttl);
          json::object headers;
          for (const auto& [name, value] : target.headers)
            headers[name] = value;
          json::object body;
          body["file_id"] = f.id;
          body["upload_url"] = target.url;
          body["method"] = target.method;
          body["headers"] = std::move(headers);
          body["expires_at"] = to_rfc3339(
              std::chrono::system_clock::time_point{std::chrono::seconds{f.upload_expires_at}});
          replies::json(r, 201, body);
        });
  }

  // --- complete and delete: the upload actor's --------------------------------------------

  template <class Atom>
  void ask_upload_actor(const req_ptr& r, Atom what) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such file");
      return;
    }
    constexpr bool deleting = std::is_same_v<Atom, delete_atom>;
    self_
        ->request(opt_.registry, opt_.upload_timeout, forward_atom_v,
                  user_key{std::string{upload_kind}, r->auth.user_id, id}, caf::make_message(what))
        .then(
            [r](uint8_t code, std::string& text) {
              const auto err = static_cast<gh_errc>(code);
              if (err == gh_errc::ok && deleting)
                replies::empty(r);
              else if (err == gh_errc::ok)
                r->reply->respond({200, "application/json", std::move(text), {}});
              else if (err == gh_errc::provider_unavailable)
                replies::problem(r, err, std::move(text), {{"Retry-After", "1"}});
              else
                r->reply->fail(err, std::move(text));
            },
            [r](const caf::error& err) { replies::failure(r, err); });
  }

  read_options reads() const { return {opt_.db, opt_.store, opt_.url_ttl, opt_.db_timeout}; }

  self_ptr self_;
  files_options& opt_;
};

} // namespace

http_handler_actor spawn_files(caf::actor_system& sys, files_options options) {
  return spawn_service<files_service, files_state>(sys, std::move(options));
}

const std::vector<route_entry>& routes() {
  static const std::vector<route_entry> all{
      {"POST", "/api/v1/files/upload", body_kind::json},
      {"POST", "/api/v1/files/{id}/complete", body_kind::none},
      {"GET", "/api/v1/files", body_kind::none},
      {"GET", "/api/v1/files/{id}", body_kind::none},
      {"DELETE", "/api/v1/files/{id}", body_kind::none},
  };
  return all;
}

} // namespace gh::files
