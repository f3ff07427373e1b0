#include "actors/admin/admin_service.hpp"

#include "actors/admin/requests.hpp"
#include "actors/audit.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"
#include "actors/user_lifecycle.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"
#include "messages/problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <cctype>

namespace gh::admin {

namespace json = boost::json;

namespace {

using replies::header_list;
using replies::req_ptr;

// ORDER BY clauses below name table-qualified columns: a bare `id` there would mean the
// `id::text` output column and sort as text.

/// The columns of `users` an admin sees, then `created_at` in microseconds for cursors.
constexpr std::string_view user_columns =
    "id::text, tenant_id::text, email, phone, name, status, mfa_enabled::text, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "(extract(epoch FROM created_at) * 1000000)::bigint::text";

/// The columns of `api_keys` a listing shows: never `key_hash`.
constexpr std::string_view key_columns =
    "id::text, name, prefix, array_to_string(scopes, ','), "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), created_by, "
    "to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

/// Serialises bootstrap-key sessions that create the first key (`pg_advisory_xact_lock`).
constexpr std::string_view bootstrap_lock_sql =
    "SELECT pg_advisory_xact_lock(hashtext('gatehouse.api_keys.bootstrap'))";

json::value nullable(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

/// A row of `users` as `user_columns` selects it.
struct user_row {
  std::string id;
  std::string tenant_id;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> name;
  std::string status;
  bool mfa_enabled = false;
  std::string created_at;
  int64_t created_us = 0;

  static user_row from(const db::row& r) {
    user_row u{db::text(r, 0), db::text(r, 1), r.at(2),        r.at(3), r.at(4),
               db::text(r, 5), false,          db::text(r, 7), 0};
    u.mfa_enabled = db::text(r, 6) == "true";
    try {
      u.created_us = std::stoll(db::text(r, 8, "0"));
    } catch (const std::exception&) {
      // Cannot happen for a bigint column; a zero only spoils a cursor, never the data.
    }
    return u;
  }

  json::object to_json() const {
    json::object o;
    o["id"] = id;
    o["tenant_id"] = tenant_id;
    if (email)
      o["email"] = *email;
    if (phone)
      o["phone"] = *phone;
    if (name)
      o["name"] = *name;
    o["status"] = status;
    o["mfa_enabled"] = mfa_enabled;
    o["created_at"] = created_at;
    return o;
  }
};

/// A row of `api_keys` as `key_columns` selects it.
struct key_row {
  std::string id;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  std::string created_at;
  std::optional<std::string> created_by;
  std::optional<std::string> revoked_at;

  static key_row from(const db::row& r) {
    return {db::text(r, 0), db::text(r, 1), db::text(r, 2), split_scopes(db::text(r, 3)),
            db::text(r, 4), r.at(5),        r.at(6)};
  }

  json::object to_json() const {
    json::object o;
    o["id"] = id;
    o["name"] = name;
    o["prefix"] = prefix;
    json::array list;
    for (const auto& s : scopes)
      list.emplace_back(s);
    o["scopes"] = std::move(list);
    o["created_at"] = created_at;
    o["created_by"] = nullable(created_by);
    o["revoked_at"] = nullable(revoked_at);
    return o;
  }
};

struct admin_state {
  admin_options opt;
};

using self_ptr = caf::stateful_actor<admin_state>*;

int64_t now_of(self_ptr self) {
  if (self->state.opt.now)
    return self->state.opt.now();
  return unix_now();
}

json::array scope_array(const std::vector<std::string>& scopes) {
  json::array out;
  for (const auto& s : scopes)
    out.emplace_back(s);
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

/// A fresh key: `gh_` + 8 base32 characters (the prefix listings show) + `_` + 43 base64url
/// characters of 256 random bits.
std::pair<std::string, std::string> new_key() {
  auto tag = crypto::base32_encode(crypto::random_bytes(5));
  for (auto& c : tag)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto prefix = "gh_" + tag;
  auto key = prefix + "_" + crypto::random_token(32);
  return {std::move(prefix), std::move(key)};
}

// --- the actor ------------------------------------------------------------------------------

class admin_service {
public:
  explicit admin_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    opt_.keys.check_route(self_, routes(), r,
                          [this, r](const api_keys::caller& who) { serve(r, who); });
  }

private:
  void serve(const req_ptr& r, const api_keys::caller& who) {
    const auto& route = r->route;
    const auto& m = r->method;
    if (route == "/api/v1/admin/api-keys" && m == "POST")
      create_key(r, who);
    else if (route == "/api/v1/admin/api-keys")
      list_keys(r);
    else if (route == "/api/v1/admin/api-keys/{id}")
      revoke_key(r, who);
    else if (route == "/api/v1/admin/users")
      list_users(r);
    else if (route == "/api/v1/admin/users/{id}/disable")
      set_status(r, who, true);
    else if (route == "/api/v1/admin/users/{id}/enable")
      set_status(r, who, false);
    else if (route == "/api/v1/admin/audit")
      list_audit(r);
    else
      r->reply->fail(gh_errc::not_found, "no such admin route");
  }

  // --- helpers ------------------------------------------------------------------------------

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  static void validation_failed(const req_ptr& r, field_errors errors) {
    r->reply->fail(gh_errc::validation, "the request is invalid", std::move(errors));
  }

  // --- API keys -----------------------------------------------------------------------------

  enum class key_result { done, not_found, forbidden, bootstrap_closed };

  struct created_key {
    key_result result = key_result::done;
    std::optional<key_row> row;
  };

  void create_key(const req_ptr& r, const api_keys::caller& who) {
    auto decoded = decode_new_key(r->body);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto req = std::get<new_key_request>(std::move(decoded));
    if (!covers(who.scopes, req.scopes)) {
      r->reply->fail(gh_errc::forbidden, "a key cannot grant a scope it does not hold itself");
      return;
    }
    // The bootstrap key works only while no key exists: the first key retires it, so a first
    // key that cannot manage keys would leave nothing that can.
    if (who.bootstrap() && !grants(req.scopes, "keys")) {
      validation_failed(r, {{"scopes", "the first key must hold the keys scope (or *): it "
                                       "retires the bootstrap key"}});
      return;
    }
    auto [prefix, key] = new_key();
    // Hashed here: the two callbacks below are built in no particular order, and one takes
    // the key.
    const auto hash = crypto::sha256_hex(key);
    query<created_key>(
        r,
        [r, who, req, prefix = prefix, hash](db::transaction& tx) {
          created_key out;
          if (who.bootstrap()) {
            // Two bootstrap requests racing: only the first creates a key.
            tx.exec(bootstrap_lock_sql);
            if (db::text(tx.exec(api_keys::any_live_key_sql).at(0), 0) != "false") {
              out.result = key_result::bootstrap_closed;
              return out;
            }
          }
          const auto id = crypto::random_uuid();
          auto rows =
              tx.exec("INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_by) "
                      "VALUES ($1::uuid, $2, $3, $4, string_to_array($5, ','), $6) RETURNING " +
                          std::string{key_columns},
                      {id, req.name, prefix, hash, join_scopes(req.scopes), who.actor()});
          out.row = key_row::from(rows.at(0));
          json::object details;
          details["name"] = req.name;
          details["prefix"] = prefix;
          details["scopes"] = scope_array(req.scopes);
          audit::write(tx, *r, {}, who.actor(), "api_key.created", id, details);
          return out;
        },
        [r, key = std::move(key)](created_key out) {
          if (out.result == key_result::bootstrap_closed || !out.row) {
            api_keys::unauthorized(r, "the API key is not valid");
            return;
          }
          auto body = out.row->to_json();
          body.erase("created_by");
          body.erase("revoked_at");
          body["key"] = key;
          replies::json(r, 201, body);
        });
  }

  void list_keys(const req_ptr& r) {
    query<db::rows>(
        r,
        [](db::transaction& tx) {
          return tx.exec("SELECT " + std::string{key_columns} +
                         " FROM api_keys k ORDER BY k.created_at, k.id");
        },
        [r](const db::rows& rows) {
          json::array list;
          for (const auto& row : rows)
            list.push_back(key_row::from(row).to_json());
          replies::json(r, 200, list);
        });
  }

  void revoke_key(const req_ptr& r, const api_keys::caller& who) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such API key");
      return;
    }
    query<key_result>(
        r,
        [r, who, id](db::transaction& tx) {
          auto rows = tx.exec("SELECT name, prefix, array_to_string(scopes, ',') FROM api_keys "
                              "WHERE id = $1::uuid AND revoked_at IS NULL FOR UPDATE",
                              {id});
          if (rows.empty())
            return key_result::not_found;
          // A narrower key may not end a broader one (say, the only `*` key).
          if (!covers(who.scopes, split_scopes(db::text(rows.front(), 2))))
            return key_result::forbidden;
          tx.exec("UPDATE api_keys SET revoked_at = now() WHERE id = $1::uuid", {id});
          json::object details;
          details["name"] = db::text(rows.front(), 0);
          details["prefix"] = db::text(rows.front(), 1);
          audit::write(tx, *r, {}, who.actor(), "api_key.revoked", id, details);
          return key_result::done;
        },
        [r](key_result result) {
          if (result == key_result::not_found)
            r->reply->fail(gh_errc::not_found, "no such API key");
          else if (result == key_result::forbidden)
            r->reply->fail(gh_errc::forbidden,
                           "a key cannot revoke a key with scopes it does not hold itself");
          else
            replies::empty(r);
        });
  }

  // --- users --------------------------------------------------------------------------------

  void list_users(const req_ptr& r) {
    auto decoded = decode_user_query(r->query);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto q = std::get<user_query>(std::move(decoded));
    query<db::rows>(
        r,
        [q](db::transaction& tx) {
          const auto pattern = q.search.empty() ? db::param{} : like_pattern(q.search);
          return tx.exec(
              "SELECT " + std::string{user_columns} +
                  " FROM users u WHERE ($1::text IS NULL OR email ILIKE $1 ESCAPE '\\' "
                  "OR phone ILIKE $1 ESCAPE '\\' OR name ILIKE $1 ESCAPE '\\') "
                  "AND ($2::bigint IS NULL OR (u.created_at, u.id) > "
                  "(timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid)) "
                  "ORDER BY u.created_at, u.id LIMIT $4::int",
              {pattern, q.after ? db::param{std::to_string(q.after->created_us)} : db::param{},
               q.after ? db::param{q.after->id} : db::param{}, std::to_string(q.limit + 1)});
        },
        [r, limit = static_cast<std::size_t>(q.limit)](db::rows rows) {
          json::array items;
          std::optional<user_row> last;
          for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
            last = user_row::from(rows[i]);
            items.push_back(last->to_json());
          }
          json::object body;
          body["items"] = std::move(items);
          body["next_cursor"] = rows.size() > limit && last
                                    ? json::value(encode_user_cursor({last->created_us, last->id}))
                                    : json::value(nullptr);
          replies::json(r, 200, body);
        });
  }

  struct status_change {
    std::optional<user_row> user;
    std::vector<std::string> ended; ///< refresh families revoked
  };

  void set_status(const req_ptr& r, const api_keys::caller& who, bool disable) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such user");
      return;
    }
    query<status_change>(
        r,
        [r, who, id, disable](db::transaction& tx) {
          status_change out;
          auto rows = tx.exec("UPDATE users SET status = $2, updated_at = now() "
                              "WHERE id = $1::uuid RETURNING " +
                                  std::string{user_columns},
                              {id, std::string{disable ? "disabled" : "active"}});
          if (rows.empty())
            return out;
          out.user = user_row::from(rows.front());
          json::object details;
          if (disable) {
            out.ended = end_sessions(tx, id, "disabled");
            details["sessions_revoked"] = static_cast<int64_t>(out.ended.size());
          }
          audit::write(tx, *r, out.user->tenant_id, who.actor(),
                       disable ? "user.disabled" : "user.enabled", id, details);
          return out;
        },
        [this, r](status_change out) {
          if (!out.user) {
            r->reply->fail(gh_errc::not_found, "no such user");
            return;
          }
          // The user's access tokens die with their sessions, here at once, elsewhere within
          // the second the other replicas take to read Redis.
          const auto until = now_of(self_) + opt_.access_ttl.count();
          for (const auto& family : out.ended)
            record_revocation(self_, opt_.redis, *opt_.revoked, family, until);
          replies::json(r, 200, out.user->to_json());
        });
  }

  // --- audit log ----------------------------------------------------------------------------

  void list_audit(const req_ptr& r) {
    auto decoded = decode_audit_query(r->query);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto q = std::get<audit_query>(std::move(decoded));
    query<db::rows>(
        r,
        [q](db::transaction& tx) {
          return tx.exec(
              "SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
              "tenant_id::text, actor, action, target, ip, user_agent, request_id, details::text "
              "FROM audit_log a WHERE ($1::bigint IS NULL OR a.id < $1::bigint) "
              "ORDER BY a.id DESC LIMIT $2::int",
              {q.before ? db::param{std::to_string(*q.before)} : db::param{},
               std::to_string(q.limit + 1)});
        },
        [r, limit = static_cast<std::size_t>(q.limit)](db::rows rows) {
          json::array items;
          int64_t last = 0;
          for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
            const auto& row = rows[i];
            json::object item;
            try {
              last = std::stoll(db::text(row, 0, "0"));
            } catch (const std::exception&) {
              last = 0; // cannot happen for a bigint column
            }
            item["id"] = last;
            item["at"] = db::text(row, 1);
            item["tenant_id"] = nullable(row.at(2));
            item["actor"] = nullable(row.at(3));
            item["action"] = db::text(row, 4);
            item["target"] = nullable(row.at(5));
            item["ip"] = nullable(row.at(6));
            item["user_agent"] = nullable(row.at(7));
            item["request_id"] = nullable(row.at(8));
            boost::system::error_code ec;
            auto details = json::parse(db::text(row, 9, "{}"), ec);
            item["details"] = ec ? json::value(json::object{}) : std::move(details);
            items.push_back(std::move(item));
          }
          json::object body;
          body["items"] = std::move(items);
          body["next_cursor"] = rows.size() > limit && last > 0
                                    ? json::value(encode_audit_cursor(last))
                                    : json::value(nullptr);
          replies::json(r, 200, body);
        });
  }

  self_ptr self_;
  admin_options& opt_;
};

} // namespace

http_handler_actor spawn_admin(caf::actor_system& sys, admin_options options) {
  return spawn_service<admin_service, admin_state>(sys, std::move(options));
}

const std::vector<api_keys::key_route>& routes() {
  static const std::vector<api_keys::key_route> all{
      {"POST", "/api/v1/admin/api-keys", body_kind::json, "keys"},
      {"GET", "/api/v1/admin/api-keys", body_kind::none, "keys"},
      {"DELETE", "/api/v1/admin/api-keys/{id}", body_kind::none, "keys"},
      {"GET", "/api/v1/admin/users", body_kind::none, "users:read"},
      {"POST", "/api/v1/admin/users/{id}/disable", body_kind::none, "users:write"},
      {"POST", "/api/v1/admin/users/{id}/enable", body_kind::none, "users:write"},
      {"GET", "/api/v1/admin/audit", body_kind::none, "audit:read"},
  };
  return all;
}

} // namespace gh::admin
