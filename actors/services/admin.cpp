#include "actors/services/admin.hpp"

#include "actors/identity/crypto.hpp"
#include "actors/payments/plans.hpp"
#include "actors/payments/requests.hpp"
#include "actors/services/admin_requests.hpp"
#include "actors/services/replies.hpp"
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

namespace gh {

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

constexpr std::string_view any_live_key_sql =
    "SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)::text";

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
    return {db::text(r, 0), db::text(r, 1), db::text(r, 2), admin::split_scopes(db::text(r, 3)),
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

/// Who is calling, once the key checked out.
struct caller {
  std::string key_id; ///< empty for the bootstrap key
  std::vector<std::string> scopes;

  bool bootstrap() const noexcept { return key_id.empty(); }

  /// The `actor` of the audit rows this caller writes.
  std::string actor() const { return bootstrap() ? "bootstrap" : "api_key:" + key_id; }
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

void unauthorized(const req_ptr& r, std::string detail) {
  replies::problem(r, gh_errc::unauthorized, std::move(detail), {{"WWW-Authenticate", "ApiKey"}});
}

/// Writes the `audit_log` row of an admin action; never a key or a hash.
void audit(db::transaction& tx, const http_request& r, const std::string& tenant, const caller& who,
           std::string_view action, const std::string& target, const json::object& details = {}) {
  tx.exec("INSERT INTO audit_log (tenant_id, actor, action, target, ip, user_agent, request_id, "
          "details) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb)",
          {tenant.empty() ? db::param{} : db::param{tenant}, who.actor(), std::string{action},
           target, r.remote_ip, replies::stored_header(r, "user-agent"), r.request_id,
           json::serialize(details)});
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
    const auto& routes = admin_routes();
    const auto route = std::find_if(routes.begin(), routes.end(), [&r](const admin_route& x) {
      return r->method == x.method && r->route == x.pattern;
    });
    if (route == routes.end()) {
      r->reply->fail(gh_errc::not_found, "no such admin route");
      return;
    }
    if (r->auth.type != principal::kind::api_key || r->auth.api_key.empty()) {
      unauthorized(r, "an admin API key is required (Authorization: ApiKey <key>)");
      return;
    }
    authenticate(r, route->scope, [this, r](const caller& who) { serve(r, who); });
  }

private:
  void serve(const req_ptr& r, const caller& who) {
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
    else if (route == "/api/v1/admin/plans" && m == "POST")
      create_plan(r, who);
    else if (route == "/api/v1/admin/plans")
      list_plans(r);
    else if (route == "/api/v1/admin/plans/{id}/archive")
      archive_plan(r, who);
    else if (route == "/api/v1/admin/payments/{payment_intent_id}/refund")
      refund(r, who);
    else
      r->reply->fail(gh_errc::not_found, "no such admin route");
  }

  // --- helpers ------------------------------------------------------------------------------

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  /// Runs the Lua `script` on `args` (one key, then arguments) in Redis; `next(count, ttl)` with
  /// the two integers it returns.
  template <class Next>
  void counter(const req_ptr& r, const std::string& script, redis::command args, Next next) {
    args.insert(args.begin(), {"EVAL", script, "1"});
    self_->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v, std::move(args))
        .then(
            [r, next](const redis::reply& rep) mutable {
              if (rep.type != redis::reply::kind::array || rep.elements.size() != 2) {
                replies::failure(r, make_error(gh_errc::provider_unavailable));
                return;
              }
              next(rep.elements[0].integer, rep.elements[1].integer);
            },
            [r](const caf::error& err) { replies::failure(r, err); });
  }

  /// Checks the presented key and the scope `needed`, then `next(caller)`. Refuses with 429
  /// while the client's address has spent its wrong keys for the window, 401 for a wrong key
  /// (counted), 403 for a right key without the scope.
  template <class Next>
  void authenticate(const req_ptr& r, std::string_view needed, Next next) {
    static const std::string peek{redis::peek_hits_script};
    auto fail_key = "gh:rl:apikey:ip:" + r->remote_ip;
    counter(r, peek, {fail_key},
            [this, r, needed = std::string{needed}, fail_key, next](int64_t failures,
                                                                    int64_t ttl) mutable {
              if (failures >= opt_.failed_keys_per_ip) {
                replies::problem(r, gh_errc::rate_limited,
                                 "too many wrong API keys from this address; try again later",
                                 {{"Retry-After", std::to_string(std::max<int64_t>(ttl, 1))}});
                return;
              }
              look_up_key(r, needed, fail_key, std::move(next));
            });
  }

  template <class Next>
  void look_up_key(const req_ptr& r, const std::string& needed, const std::string& fail_key,
                   Next next) {
    const auto& key = r->auth.api_key;
    // Compared as digests so the time taken depends on nothing about either value.
    const bool is_bootstrap =
        !opt_.bootstrap_key.empty() &&
        crypto::constant_time_equal(crypto::sha256(key), crypto::sha256(opt_.bootstrap_key));
    query<std::optional<caller>>(
        r,
        [hash = crypto::sha256_hex(key), is_bootstrap](db::transaction& tx) {
          auto rows = tx.exec("SELECT id::text, array_to_string(scopes, ',') FROM api_keys "
                              "WHERE key_hash = $1 AND revoked_at IS NULL",
                              {hash});
          if (!rows.empty())
            return std::optional<caller>{
                caller{db::text(rows.front(), 0), admin::split_scopes(db::text(rows.front(), 1))}};
          if (is_bootstrap && db::text(tx.exec(any_live_key_sql).at(0), 0) == "false")
            return std::optional<caller>{caller{{}, {"*"}}};
          return std::optional<caller>{};
        },
        [this, r, needed, fail_key, next](std::optional<caller> who) mutable {
          if (!who) {
            key_failed(r, fail_key);
            return;
          }
          if (!admin::grants(who->scopes, needed)) {
            r->reply->fail(gh_errc::forbidden, "this API key lacks the scope " + needed);
            return;
          }
          next(std::move(*who));
        });
  }

  /// Counts a wrong key against the client's address and answers 401.
  void key_failed(const req_ptr& r, const std::string& fail_key) {
    static const std::string hit{redis::count_hit_script};
    counter(r, hit, {fail_key, std::to_string(std::max<int64_t>(opt_.window.count(), 1))},
            [r](int64_t, int64_t) { unauthorized(r, "the API key is not valid"); });
  }

  static void validation_failed(const req_ptr& r, admin::field_errors errors) {
    r->reply->fail(gh_errc::validation, "the request is invalid", std::move(errors));
  }

  // --- API keys -----------------------------------------------------------------------------

  enum class key_result { done, not_found, forbidden, bootstrap_closed };

  struct created_key {
    key_result result = key_result::done;
    std::optional<key_row> row;
  };

  void create_key(const req_ptr& r, const caller& who) {
    auto decoded = admin::decode_new_key(r->body);
    if (auto* errors = std::get_if<admin::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto req = std::get<admin::new_key_request>(std::move(decoded));
    if (!admin::covers(who.scopes, req.scopes)) {
      r->reply->fail(gh_errc::forbidden, "a key cannot grant a scope it does not hold itself");
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
            if (db::text(tx.exec(any_live_key_sql).at(0), 0) != "false") {
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
          audit(tx, *r, {}, who, "api_key.created", id, details);
          return out;
        },
        [r, key = std::move(key)](created_key out) {
          if (out.result == key_result::bootstrap_closed || !out.row) {
            unauthorized(r, "the API key is not valid");
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

  void revoke_key(const req_ptr& r, const caller& who) {
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
          if (!admin::covers(who.scopes, admin::split_scopes(db::text(rows.front(), 2))))
            return key_result::forbidden;
          tx.exec("UPDATE api_keys SET revoked_at = now() WHERE id = $1::uuid", {id});
          json::object details;
          details["name"] = db::text(rows.front(), 0);
          details["prefix"] = db::text(rows.front(), 1);
          audit(tx, *r, {}, who, "api_key.revoked", id, details);
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
    auto decoded = admin::decode_user_query(r->query);
    if (auto* errors = std::get_if<admin::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto q = std::get<admin::user_query>(std::move(decoded));
    query<db::rows>(
        r,
        [q](db::transaction& tx) {
          const auto pattern = q.search.empty() ? db::param{} : admin::like_pattern(q.search);
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
          body["next_cursor"] =
              rows.size() > limit && last
                  ? json::value(admin::encode_user_cursor({last->created_us, last->id}))
                  : json::value(nullptr);
          replies::json(r, 200, body);
        });
  }

  struct status_change {
    std::optional<user_row> user;
    std::vector<std::string> ended; ///< refresh families revoked
  };

  void set_status(const req_ptr& r, const caller& who, bool disable) {
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
            auto ended = tx.exec("UPDATE refresh_families SET revoked_at = now(), "
                                 "revoked_reason = 'disabled' WHERE user_id = $1::uuid "
                                 "AND revoked_at IS NULL RETURNING id::text",
                                 {id});
            for (const auto& row : ended)
              out.ended.push_back(db::text(row, 0));
            details["sessions_revoked"] = static_cast<int64_t>(out.ended.size());
          }
          audit(tx, *r, out.user->tenant_id, who, disable ? "user.disabled" : "user.enabled", id,
                details);
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
    auto decoded = admin::decode_audit_query(r->query);
    if (auto* errors = std::get_if<admin::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto q = std::get<admin::audit_query>(std::move(decoded));
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
                                    ? json::value(admin::encode_audit_cursor(last))
                                    : json::value(nullptr);
          replies::json(r, 200, body);
        });
  }

  // --- plans and refunds (Stripe first, then the database) ------------------------------

  template <class Fn, class Next>
  void stripe(const req_ptr& r, Fn fn, Next next) {
    replies::call_stripe(self_, opt_.stripe, opt_.stripe_timeout, r, std::move(fn),
                         std::move(next));
  }

  static std::string id_of(const stripe::result& res) {
    const auto* id = res.body.if_contains("id");
    return id != nullptr && id->is_string() ? std::string{id->get_string()} : std::string{};
  }

  void create_plan(const req_ptr& r, const caller& who) {
    auto decoded = payments::decode_new_plan(r->body);
    if (auto* errors = std::get_if<payments::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto plan = std::get<payments::new_plan>(std::move(decoded));
    const auto id = crypto::random_uuid();
    // The product and the price carry the plan id as their idempotency keys' root, so a retried
    // call never makes a second one.
    stripe(
        r,
        [plan, id](stripe::client& s) {
          auto product = s.post("/v1/products", {{"name", plan.name}, {"metadata[plan_id]", id}},
                                "gh-product-" + id);
          if (!product.ok())
            return product;
          const auto product_id = id_of(product);
          auto price = s.post("/v1/prices",
                              {{"product", product_id},
                               {"unit_amount", std::to_string(plan.amount)},
                               {"currency", plan.currency},
                               {"recurring[interval]", plan.interval},
                               {"metadata[plan_id]", id}},
                              "gh-price-" + id);
          if (price.ok())
            price.body["product"] = product_id; // what the next step stores
          return price;
        },
        [this, r, who, plan, id](stripe::result price) {
          const auto price_id = id_of(price);
          const auto* product = price.body.if_contains("product");
          if (price_id.empty() || product == nullptr || !product->is_string()) {
            r->reply->fail(gh_errc::provider_unavailable, "Stripe answered without ids");
            return;
          }
          query<db::rows>(
              r,
              [r, who, plan, id, price_id, product_id = std::string{product->get_string()},
               tenant = opt_.tenant_id](db::transaction& tx) {
                auto rows =
                    tx.exec("INSERT INTO plans (id, tenant_id, name, amount, currency, interval, "
                            "stripe_product_id, stripe_price_id) VALUES ($1::uuid, $2::uuid, $3, "
                            "$4::bigint, $5, $6, $7, $8) RETURNING " +
                                std::string{payments::plan_columns},
                            {id, tenant, plan.name, std::to_string(plan.amount), plan.currency,
                             plan.interval, product_id, price_id});
                json::object details;
                details["name"] = plan.name;
                details["amount"] = plan.amount;
                details["currency"] = plan.currency;
                details["interval"] = plan.interval;
                audit(tx, *r, tenant, who, "plan.created", id, details);
                return rows;
              },
              [r](const db::rows& rows) {
                replies::json(r, 201, payments::plan_json(rows.at(0), true));
              });
        });
  }

  void list_plans(const req_ptr& r) {
    query<db::rows>(
        r,
        [](db::transaction& tx) {
          return tx.exec("SELECT " + std::string{payments::plan_columns} +
                         " FROM plans p ORDER BY p.created_at, p.id");
        },
        [r](const db::rows& rows) {
          json::array list;
          for (const auto& row : rows)
            list.push_back(payments::plan_json(row, true));
          replies::json(r, 200, list);
        });
  }

  void archive_plan(const req_ptr& r, const caller& who) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such plan");
      return;
    }
    query<db::rows>(
        r,
        [id](db::transaction& tx) {
          return tx.exec("SELECT stripe_product_id, stripe_price_id FROM plans WHERE id = $1::uuid",
                         {id});
        },
        [this, r, who, id](db::rows found) {
          if (found.empty()) {
            r->reply->fail(gh_errc::not_found, "no such plan");
            return;
          }
          // Stripe stops selling it first; the plan then leaves the users' list.
          stripe(
              r,
              [product = db::text(found.front(), 0),
               price = db::text(found.front(), 1)](stripe::client& s) {
                auto out =
                    s.post("/v1/prices/" + price, {{"active", "false"}}, "gh-archive-" + price);
                if (out.ok())
                  out = s.post("/v1/products/" + product, {{"active", "false"}},
                               "gh-archive-" + product);
                return out;
              },
              [this, r, who, id](const stripe::result& /*archived*/) {
                query<db::rows>(
                    r,
                    [r, who, id, tenant = opt_.tenant_id](db::transaction& tx) {
                      auto rows = tx.exec("UPDATE plans SET active = false, archived_at = "
                                          "COALESCE(archived_at, now()) WHERE id = $1::uuid "
                                          "RETURNING " +
                                              std::string{payments::plan_columns},
                                          {id});
                      audit(tx, *r, tenant, who, "plan.archived", id);
                      return rows;
                    },
                    [r](const db::rows& rows) {
                      if (rows.empty())
                        r->reply->fail(gh_errc::not_found, "no such plan");
                      else
                        replies::json(r, 200, payments::plan_json(rows.front(), true));
                    });
              });
        });
  }

  void refund(const req_ptr& r, const caller& who) {
    const std::string payment_intent{r->param("payment_intent_id")};
    if (!payments::is_payment_intent_id(payment_intent)) {
      r->reply->fail(gh_errc::not_found, "no such payment (a PaymentIntent id, pi_...)");
      return;
    }
    auto decoded = payments::decode_refund(r->body);
    if (auto* errors = std::get_if<payments::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto req = std::get<payments::refund_request>(decoded);
    // The same refund asked twice (a double click, a retried request) refunds once; a caller
    // who means a second identical refund sends its own Idempotency-Key.
    const auto* given = r->header("idempotency-key");
    const auto key = given != nullptr && !given->empty() && given->size() <= 255
                         ? "gh-refund-" + crypto::sha256_hex(payment_intent + "\n" + *given)
                         : "gh-refund-" + payment_intent + "-" +
                               (req.amount ? std::to_string(*req.amount) : std::string{"rest"});
    stripe::form params{{"payment_intent", payment_intent}};
    if (req.amount)
      params.emplace_back("amount", std::to_string(*req.amount));
    stripe(
        r, [params, key](stripe::client& s) { return s.post("/v1/refunds", params, key); },
        [this, r, who, payment_intent](stripe::result refunded) {
          const auto refund_id = id_of(refunded);
          const auto* amount = refunded.body.if_contains("amount");
          const auto* status = refunded.body.if_contains("status");
          if (refund_id.empty() || amount == nullptr || !amount->is_int64() || status == nullptr ||
              !status->is_string()) {
            r->reply->fail(gh_errc::provider_unavailable, "Stripe answered an unusable refund");
            return;
          }
          json::object body;
          body["id"] = refund_id;
          body["payment_intent"] = payment_intent;
          body["amount"] = amount->get_int64();
          body["status"] = status->get_string();
          query<bool>(
              r,
              [r, who, body](db::transaction& tx) {
                tx.exec("INSERT INTO refunds (stripe_refund_id, payment_intent_id, amount, status, "
                        "requested_by) VALUES ($1, $2, $3::bigint, $4, $5) ON CONFLICT "
                        "(stripe_refund_id) DO NOTHING",
                        {std::string{body.at("id").get_string()},
                         std::string{body.at("payment_intent").get_string()},
                         std::to_string(body.at("amount").get_int64()),
                         std::string{body.at("status").get_string()}, who.actor()});
                audit(tx, *r, {}, who, "payment.refunded",
                      std::string{body.at("payment_intent").get_string()}, body);
                return true;
              },
              [r, body](bool) { replies::json(r, 201, body); });
        });
  }

  self_ptr self_;
  admin_options& opt_;
};

caf::behavior admin_impl(caf::stateful_actor<admin_state>* self, admin_options options) {
  self->state.opt = std::move(options);
  auto service = std::make_shared<admin_service>(self);
  return {
      [service](http_request& req) { service->handle(req); },
  };
}

} // namespace

http_handler_actor spawn_admin(caf::actor_system& sys, admin_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn(admin_impl, std::move(options)));
}

const std::vector<admin_route>& admin_routes() {
  static const std::vector<admin_route> routes{
      {"POST", "/api/v1/admin/api-keys", true, "keys"},
      {"GET", "/api/v1/admin/api-keys", false, "keys"},
      {"DELETE", "/api/v1/admin/api-keys/{id}", false, "keys"},
      {"GET", "/api/v1/admin/users", false, "users:read"},
      {"POST", "/api/v1/admin/users/{id}/disable", false, "users:write"},
      {"POST", "/api/v1/admin/users/{id}/enable", false, "users:write"},
      {"GET", "/api/v1/admin/audit", false, "audit:read"},
      {"POST", "/api/v1/admin/plans", true, "plans:write"},
      {"GET", "/api/v1/admin/plans", false, "plans:write"},
      {"POST", "/api/v1/admin/plans/{id}/archive", false, "plans:write"},
      {"POST", "/api/v1/admin/payments/{payment_intent_id}/refund", false, "payments:refund"},
  };
  return routes;
}

} // namespace gh
