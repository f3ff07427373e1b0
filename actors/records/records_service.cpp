#include "actors/records/records_service.hpp"

#include "actors/audit.hpp"
#include "actors/minute_budget.hpp"
#include "actors/outbox.hpp"
#include "actors/records/documents.hpp"
#include "actors/records/merge_patch.hpp"
#include "actors/records/record_sql.hpp"
#include "actors/records/requests.hpp"
#include "actors/service_actor.hpp"
#include "actors/tenancy.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <stdexcept>

namespace gh::records {

namespace json = boost::json;

namespace {

using replies::req_ptr;
using tenancy::answer;

/// Where a request's records live: the caller's own collection, or an organization's.
struct place {
  bool shared = false;
  std::string org_id;
  std::string collection;
};

/// A record row (`sql::columns`) as the API shows it; `data` goes out as PostgreSQL wrote it.
std::string record_json(const db::row& row, std::string_view collection) {
  std::string out;
  const auto data = db::text(row, 1, "{}");
  out.reserve(data.size() + 200);
  out.append(R"({"id":")").append(db::text(row, 0));
  out.append(R"(","collection":")").append(collection);
  out.append(R"(","data":)").append(data);
  out.append(R"(,"version":)").append(db::text(row, 2, "1"));
  out.append(R"(,"created_at":")").append(db::text(row, 3));
  out.append(R"(","updated_at":")").append(db::text(row, 4)).append(R"("})");
  return out;
}

int64_t version_of(const db::row& row, std::size_t column) {
  return std::stoll(db::text(row, column, "0"));
}

/// The answer carrying one record row, with its entity tag.
answer record_answer(int status, const db::row& row, std::string_view collection) {
  return answer::json(status, record_json(row, collection),
                      {{"ETag", etag_of(version_of(row, 2))}});
}

/// Inside an organization: 404 unless the caller is a member, 403 for a viewer's write.
std::optional<answer> org_access(db::transaction& tx, bool write) {
  const auto rows = tx.exec("SELECT gh_org_role(gh_caller_org())");
  const auto role = tenancy::parse_role(rows.empty() ? std::string{} : db::text(rows.front(), 0));
  if (!role)
    return answer::fail(gh_errc::not_found, "no such organization");
  if (write && !tenancy::writes_records(*role))
    return answer::fail(gh_errc::forbidden,
                        "viewers read the organization's records; writing takes the member role");
  return std::nullopt;
}

/// Audits the change `action` of record `id` and publishes it (API.md "Events", RECORDS).
void announce(db::transaction& tx, const http_request& r, const place& p, std::string_view action,
              const std::string& id, int64_t version) {
  json::object data;
  data["collection"] = p.collection;
  data["record_id"] = id;
  if (p.shared)
    data["org_id"] = p.org_id;
  else
    data["owner_id"] = r.auth.user_id;
  data["version"] = version;
  json::object details{{"collection", p.collection}};
  if (p.shared)
    details["org_id"] = p.org_id;
  audit::write(tx, r, r.auth.tenant_id, r.auth.user_id, action, id, details);
  events::write(tx, action, r.auth.tenant_id, std::move(data));
}

/// The record data PostgreSQL holds, parsed for a merge patch (well-formed by construction).
json::value stored_data(const std::string& text) {
  auto parsed = parse_untrusted_json(text, json_limits{std::size_t{4} * 1024 * 1024, 128});
  if (auto* value = std::get_if<json::value>(&parsed))
    return std::move(*value);
  throw std::runtime_error("stored record data does not parse");
}

struct records_state {
  records_options opt;
  /// Creates, patches and deletes per user and minute, counted in this process.
  minute_budget writes;
};

using self_ptr = caf::stateful_actor<records_state>*;

class records_service {
public:
  explicit records_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    if (!r->auth.is_user()) {
      r->reply->fail(gh_errc::unauthorized, "sign in first");
      return;
    }
    place p;
    p.shared = r->route.starts_with("/api/v1/orgs/");
    p.collection = std::string{r->param("collection")};
    if (p.shared) {
      p.org_id = std::string{r->param("org_id")};
      if (!is_uuid(p.org_id)) {
        r->reply->fail(gh_errc::not_found, "no such organization");
        return;
      }
    }
    if (!is_collection_name(p.collection)) {
      r->reply->fail(gh_errc::validation, "the collection name is invalid",
                     {{"collection", "must match [a-z][a-z0-9_]{0,62}"}});
      return;
    }
    const bool item = r->route.ends_with("/{id}");
    if (r->method != "GET" &&
        !self_->state.writes.spend(r, opt_.writes_per_minute,
                                   "too many record changes; try again later"))
      return;
    if (!item) {
      if (r->method == "POST")
        create(r, p);
      else
        list(r, p);
      return;
    }
    std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such record");
      return;
    }
    if (r->method == "GET")
      read(r, p, id);
    else if (r->method == "PATCH")
      patch(r, p, id);
    else
      remove(r, p, id);
  }

private:
  template <class Work>
  void respond(const req_ptr& r, const place& p, Work work) {
    tenancy::respond(self_, *opt_.db, opt_.db_timeout, r, tenancy::caller_of(*r, p.org_id),
                     std::move(work));
  }

  /// The `If-Match` of `r`, when it has one; false (after answering 400) when it is malformed.
  static bool condition_of(const req_ptr& r, std::optional<if_match>& out) {
    const auto* header = r->header("if-match");
    if (header == nullptr)
      return true;
    auto decoded = decode_if_match(*header);
    if (auto* refused = std::get_if<refusal>(&decoded)) {
      r->reply->fail(refused->code, std::move(refused->detail), std::move(refused->errors));
      return false;
    }
    out = std::get<if_match>(std::move(decoded));
    return true;
  }

  static answer stale(int64_t version) {
    return answer::fail(gh_errc::precondition_failed, "the record is at version " +
                                                          std::to_string(version) +
                                                          "; read it again and retry");
  }

  void create(const req_ptr& r, const place& p) {
    auto decoded = decode_new_record(r->body);
    if (auto* refused = std::get_if<refusal>(&decoded)) {
      r->reply->fail(refused->code, std::move(refused->detail), std::move(refused->errors));
      return;
    }
    respond(r, p,
            [r, p, data = std::get<std::string>(std::move(decoded)),
             id = crypto::random_uuid()](db::transaction& tx) -> answer {
              if (p.shared)
                if (auto denied = org_access(tx, true))
                  return *denied;
              const auto rows =
                  tx.exec(sql::insert(),
                          {id, p.shared ? db::param{} : db::param{r->auth.user_id},
                           p.shared ? db::param{p.org_id} : db::param{}, p.collection, data});
              announce(tx, *r, p, "record.created", id, 1);
              return record_answer(201, rows.front(), p.collection);
            });
  }

  void list(const req_ptr& r, const place& p) {
    auto decoded = decode_list_query(r->query);
    if (auto* refused = std::get_if<refusal>(&decoded)) {
      r->reply->fail(refused->code, std::move(refused->detail), std::move(refused->errors));
      return;
    }
    respond(r, p, [p, q = std::get<list_query>(std::move(decoded))](db::transaction& tx) -> answer {
      if (p.shared)
        if (auto denied = org_access(tx, false))
          return *denied;
      std::vector<db::param> params{p.collection};
      if (!q.filter.empty())
        params.emplace_back(q.filter);
      if (q.after) {
        params.emplace_back(std::to_string(q.after->created_us));
        params.emplace_back(q.after->id);
      }
      // One row more than the page tells whether another page follows.
      params.emplace_back(std::to_string(q.limit + 1));
      auto rows = tx.exec(sql::page(p.shared, !q.filter.empty(), q.after.has_value()), params);
      const bool more = rows.size() > static_cast<std::size_t>(q.limit);
      if (more)
        rows.resize(static_cast<std::size_t>(q.limit));
      std::string body = R"({"items":[)";
      for (std::size_t i = 0; i < rows.size(); ++i)
        body.append(i == 0 ? "" : ",").append(record_json(rows[i], p.collection));
      body += R"(],"next_cursor":)";
      if (more && !rows.empty()) {
        const auto& last = rows.back();
        body +=
            "\"" + encode_cursor({std::stoll(db::text(last, 5, "0")), db::text(last, 0)}) + "\"";
      } else {
        body += "null";
      }
      return answer::json(200, body + "}");
    });
  }

  void read(const req_ptr& r, const place& p, const std::string& id) {
    // Row-level security alone hides other users' and other organizations' records: 404.
    respond(r, p, [p, id](db::transaction& tx) -> answer {
      const auto rows = tx.exec(sql::select_one(p.shared), {id, p.collection});
      if (rows.empty())
        return answer::fail(gh_errc::not_found, "no such record");
      return record_answer(200, rows.front(), p.collection);
    });
  }

  void patch(const req_ptr& r, const place& p, const std::string& id) {
    std::optional<if_match> condition;
    if (!condition_of(r, condition))
      return;
    auto decoded = decode_patch(r->body);
    if (auto* refused = std::get_if<refusal>(&decoded)) {
      r->reply->fail(refused->code, std::move(refused->detail), std::move(refused->errors));
      return;
    }
    respond(r, p,
            [r, p, id, condition,
             patch = std::get<json::value>(std::move(decoded))](db::transaction& tx) -> answer {
              if (p.shared)
                if (auto denied = org_access(tx, true))
                  return *denied;
              const auto current = tx.exec(sql::lock_one(p.shared), {id, p.collection});
              if (current.empty())
                return answer::fail(gh_errc::not_found, "no such record");
              const auto version = version_of(current.front(), 1);
              if (condition && !condition->holds(version))
                return stale(version);
              auto merged = stored_data(db::text(current.front(), 0, "{}"));
              apply_merge_patch(merged, patch);
              auto encoded = encode_data(merged);
              if (auto* problem = std::get_if<document_problem>(&encoded))
                return answer::fail(problem->code, "the patched record would be invalid",
                                    {{"data", problem->message}});
              const auto rows = tx.exec(sql::update(), {id, std::get<std::string>(encoded)});
              announce(tx, *r, p, "record.updated", id, version + 1);
              return record_answer(200, rows.front(), p.collection);
            });
  }

  void remove(const req_ptr& r, const place& p, const std::string& id) {
    std::optional<if_match> condition;
    if (!condition_of(r, condition))
      return;
    respond(r, p, [r, p, id, condition](db::transaction& tx) -> answer {
      if (p.shared)
        if (auto denied = org_access(tx, true))
          return *denied;
      if (condition) {
        const auto current = tx.exec(sql::lock_one(p.shared), {id, p.collection});
        if (current.empty())
          return answer::fail(gh_errc::not_found, "no such record");
        if (const auto version = version_of(current.front(), 1); !condition->holds(version))
          return stale(version);
      }
      const auto rows = tx.exec(sql::remove(p.shared), {id, p.collection});
      if (rows.empty())
        return answer::fail(gh_errc::not_found, "no such record");
      announce(tx, *r, p, "record.deleted", id, version_of(rows.front(), 0));
      return answer::none();
    });
  }

  self_ptr self_;
  records_options& opt_;
};

} // namespace

http_handler_actor spawn_records(caf::actor_system& sys, records_options options) {
  return spawn_service<records_service, records_state>(sys, options);
}

const std::vector<route_entry>& routes() {
  static const std::vector<route_entry> all{
      {"POST", "/api/v1/collections/{collection}/records", body_kind::json},
      {"GET", "/api/v1/collections/{collection}/records", body_kind::none},
      {"GET", "/api/v1/collections/{collection}/records/{id}", body_kind::none},
      {"PATCH", "/api/v1/collections/{collection}/records/{id}", body_kind::json},
      {"DELETE", "/api/v1/collections/{collection}/records/{id}", body_kind::none},
      {"POST", "/api/v1/orgs/{org_id}/collections/{collection}/records", body_kind::json},
      {"GET", "/api/v1/orgs/{org_id}/collections/{collection}/records", body_kind::none},
      {"GET", "/api/v1/orgs/{org_id}/collections/{collection}/records/{id}", body_kind::none},
      {"PATCH", "/api/v1/orgs/{org_id}/collections/{collection}/records/{id}", body_kind::json},
      {"DELETE", "/api/v1/orgs/{org_id}/collections/{collection}/records/{id}", body_kind::none},
  };
  return all;
}

} // namespace gh::records
