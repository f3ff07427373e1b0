#include "actors/services/identity.hpp"

#include "actors/events/outbox.hpp"
#include "actors/identity/crypto.hpp"
#include "actors/identity/password_hash.hpp"
#include "actors/identity/requests.hpp"
#include "actors/identity/totp.hpp"
#include "actors/services/replies.hpp"
#include "config/log.hpp"
#include "messages/event_envelope.hpp"
#include "messages/problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <ctime>
#include <unordered_map>

namespace gh {

namespace json = boost::json;

namespace {

using replies::header_list;
using replies::req_ptr;

constexpr std::string_view user_columns =
    "id::text, tenant_id::text, email, phone, name, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "mfa_enabled::text, status, password_hash";

/// A row of `users` as `user_columns` selects it.
struct user_row {
  std::string id;
  std::string tenant_id;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> name;
  std::string created_at;
  bool mfa_enabled = false;
  std::string status;
  std::string password_hash;

  static user_row from(const db::row& r) {
    return {db::text(r, 0), db::text(r, 1),           r.at(2),        r.at(3),       r.at(4),
            db::text(r, 5), db::text(r, 6) == "true", db::text(r, 7), db::text(r, 8)};
  }

  json::object to_json() const {
    json::object o;
    o["id"] = id;
    o["tenant_id"] = tenant_id;
    if (phone)
      o["phone"] = *phone;
    if (email)
      o["email"] = *email;
    if (name)
      o["name"] = *name;
    o["created_at"] = created_at;
    o["mfa_enabled"] = mfa_enabled;
    o["identities"] = json::array{};
    return o;
  }
};

/// A freshly opened session: the family and its first refresh token (shown once).
struct new_session {
  std::string family_id;
  std::string refresh_token;
};

/// A profile read recently, served again until `until` (steady clock).
struct cached_profile {
  std::string body;
  std::chrono::steady_clock::time_point until;
};

struct identity_state {
  identity_options opt;
  std::size_t next_hasher = 0;
  std::size_t hashing = 0;
  /// `GET /users/me` answers by user id; dropped on every change made here, and kept only
  /// briefly so a change made through another replica shows within `profile_cache_ttl`.
  std::unordered_map<std::string, cached_profile> profiles;
};

constexpr auto profile_cache_ttl = std::chrono::seconds{2};
constexpr std::size_t profile_cache_limit = 100000;

using self_ptr = caf::stateful_actor<identity_state>*;

int64_t now_of(self_ptr self) {
  if (self->state.opt.now)
    return self->state.opt.now();
  return unix_now();
}

std::string cookie(const std::string& name, const std::string& value, int64_t max_age,
                   bool http_only, bool secure) {
  std::string c =
      name + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) + "; SameSite=Lax";
  if (http_only)
    c += "; HttpOnly";
  if (secure)
    c += "; Secure";
  return c;
}

header_list clear_cookies(const identity_options& opt) {
  return {{"Set-Cookie", cookie(opt.cookies.access, "", 0, true, opt.secure_cookies)},
          {"Set-Cookie", cookie(opt.cookies.refresh, "", 0, true, opt.secure_cookies)},
          {"Set-Cookie", cookie(opt.cookies.csrf, "", 0, false, opt.secure_cookies)}};
}

// --- SQL pieces, run inside a transaction ----------------------------------------------------

void audit(db::transaction& tx, const http_request& r, const std::string& tenant,
           const std::string& actor, std::string_view action, const std::string& target,
           const json::object& details = {}) {
  tx.exec("INSERT INTO audit_log (tenant_id, actor, action, target, ip, user_agent, request_id, "
          "details) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb)",
          {tenant.empty() ? db::param{} : db::param{tenant}, actor.empty() ? db::param{} : actor,
           std::string{action}, target.empty() ? db::param{} : target, r.remote_ip,
           replies::stored_header(r, "user-agent"), r.request_id, json::serialize(details)});
}

new_session open_session(db::transaction& tx, const http_request& r, const std::string& user_id,
                         std::chrono::seconds ttl) {
  new_session s{crypto::random_uuid(), crypto::random_token(32)};
  tx.exec("INSERT INTO refresh_families (id, user_id, expires_at, ip, user_agent) "
          "VALUES ($1::uuid, $2::uuid, now() + make_interval(secs => $3::bigint), $4, $5)",
          {s.family_id, user_id, std::to_string(ttl.count()), r.remote_ip,
           replies::stored_header(r, "user-agent")});
  tx.exec("INSERT INTO refresh_tokens (token_hash, family_id) VALUES ($1, $2::uuid)",
          {crypto::sha256_hex(s.refresh_token), s.family_id});
  return s;
}

json::object user_event_data(const user_row& u) {
  json::object d;
  d["user_id"] = u.id;
  if (u.phone)
    d["phone"] = *u.phone;
  if (u.email)
    d["email"] = *u.email;
  if (u.name)
    d["name"] = *u.name;
  return d;
}

/// What a TOTP secret is sealed to: only this user's row opens it.
std::string totp_context(const std::string& user_id) {
  return "totp:" + user_id;
}

/// Checks `code` for `user_id` inside `tx` and uses it up: a TOTP code of a step later than the
/// last accepted one, or an unused recovery code. False when two-factor is off or the code fails.
bool consume_second_factor(db::transaction& tx, const std::string& user_id, const std::string& code,
                           std::string_view sealing_key, int64_t now) {
  auto rows = tx.exec("SELECT totp_secret, totp_last_step::text FROM users "
                      "WHERE id = $1::uuid AND mfa_enabled FOR UPDATE",
                      {user_id});
  if (rows.empty())
    return false;
  if (auto secret = crypto::open(sealing_key, db::text(rows.front(), 0), totp_context(user_id))) {
    const auto last = std::stoll(db::text(rows.front(), 1, "0"));
    if (auto step = totp::match(*secret, code, now, last)) {
      tx.exec("UPDATE users SET totp_last_step = $2::bigint WHERE id = $1::uuid",
              {user_id, std::to_string(*step)});
      return true;
    }
  }
  // A secret that no longer opens (the secrets key changed) leaves the recovery codes.
  if (auto normalised = totp::normalise_recovery_code(code)) {
    auto used = tx.exec("UPDATE recovery_codes SET used_at = now() WHERE user_id = $1::uuid AND "
                        "code_hash = $2 AND used_at IS NULL RETURNING 1",
                        {user_id, crypto::sha256_hex(*normalised)});
    return !used.empty();
  }
  return false;
}

/// Revokes every live session of `user_id` for `reason`; the ids of the families it ended.
std::vector<std::string> end_sessions(db::transaction& tx, const std::string& user_id,
                                      std::string_view reason, const std::string& keep = {}) {
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

/// The outcome of a change that needs a code: done, the code failed, or the state forbids it.
enum class code_outcome { done, wrong_code, conflict, gone };

// --- the actor ------------------------------------------------------------------------------

class identity_service {
public:
  explicit identity_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    const auto& route = r->route;
    const auto& m = r->method;
    if (route == "/.well-known/jwks.json")
      r->reply->respond({200, "application/json", opt_.keys->jwks_json(), {}});
    else if (route == "/api/v1/auth/register")
      do_register(r);
    else if (route == "/api/v1/auth/login")
      do_login(r);
    else if (route == "/api/v1/auth/refresh")
      do_refresh(r);
    else if (route == "/api/v1/auth/status")
      do_status(r);
    else if (route == "/api/v1/auth/password/forgot")
      do_password_forgot(r);
    else if (route == "/api/v1/auth/password/reset")
      do_password_reset(r);
    else if (!r->auth.is_user())
      replies::problem(r, gh_errc::unauthorized, "a valid access token is required",
                       {{"WWW-Authenticate", "Bearer"}});
    else if (route == "/api/v1/auth/logout")
      do_logout(r);
    else if (route == "/api/v1/auth/password")
      do_password_change(r);
    else if (route == "/api/v1/auth/sessions")
      do_sessions(r);
    else if (route == "/api/v1/auth/sessions/{id}")
      do_revoke_session(r);
    else if (route == "/api/v1/users/me" && m == "GET")
      do_me(r);
    else if (route == "/api/v1/users/me" && m == "PATCH")
      do_patch_me(r);
    else if (route == "/api/v1/users/me" && m == "DELETE")
      do_delete_me(r);
    else if (route == "/api/v1/auth/mfa/totp/setup")
      do_totp_setup(r);
    else if (route == "/api/v1/auth/mfa/totp/enable")
      do_totp_enable(r);
    else if (route == "/api/v1/auth/mfa/totp" && m == "DELETE")
      do_totp_disable(r);
    else
      r->reply->fail(gh_errc::not_found, "no such identity route");
  }

  void sync_revocations() {
    const auto now = now_of(self_);
    self_
        ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                  redis::command{"ZRANGEBYSCORE", "gh:revoked", std::to_string(now), "+inf",
                                 "WITHSCORES"})
        .then(
            [revoked = opt_.revoked, now](const redis::reply& rep) {
              std::vector<std::pair<std::string, int64_t>> entries;
              for (std::size_t i = 0; i + 1 < rep.elements.size(); i += 2) {
                try {
                  entries.emplace_back(rep.elements[i].str, std::stoll(rep.elements[i + 1].str));
                } catch (const std::exception&) {
                  // A foreign entry: ignore it.
                }
              }
              revoked->merge(entries, now);
            },
            [](const caf::error&) {});
    self_
        ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                  redis::command{"ZREMRANGEBYSCORE", "gh:revoked", "-inf", std::to_string(now)})
        .then([](const redis::reply&) {}, [](const caf::error&) {});
  }

private:
  // --- helpers ------------------------------------------------------------------------------

  /// Counts a hit on `key` in a window of `window` seconds; `next(count, ttl)` on success.
  template <class Next>
  void count_hit(const req_ptr& r, const std::string& key, int64_t window, Next next) {
    static const std::string script{redis::count_hit_script};
    self_
        ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                  redis::command{"EVAL", script, "1", key, std::to_string(window)})
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

  /// Refuses with 429 when `key` has been hit more than `limit` times this minute; else `next()`.
  template <class Next>
  void rate_limit(const req_ptr& r, const std::string& key, int64_t limit, Next next) {
    count_hit(r, key, opt_.limits.window.count(),
              [r, limit, next](int64_t count, int64_t ttl) mutable {
                if (count > limit) {
                  replies::problem(r, gh_errc::rate_limited, "too many requests; try again later",
                                   {{"Retry-After", std::to_string(std::max<int64_t>(ttl, 1))}});
                  return;
                }
                next();
              });
  }

  /// Runs argon2id work on the least recently used hashing worker, refusing when all are busy.
  template <class Result, class... Args, class Next>
  void on_hasher(const req_ptr& r, Next next, Args... args) {
    auto& st = self_->state;
    if (opt_.hashers.empty() || st.hashing >= opt_.hashers.size() * opt_.hash_queue_per_worker) {
      replies::problem(r, gh_errc::provider_unavailable, "too many sign-ins at once; try again",
                       {{"Retry-After", "1"}});
      return;
    }
    ++st.hashing;
    const auto& worker = opt_.hashers[st.next_hasher++ % opt_.hashers.size()];
    self_->request(worker, std::chrono::seconds{30}, std::move(args)...)
        .then(
            [this, next](Result& value) mutable {
              --self_->state.hashing;
              next(std::move(value));
            },
            [this, r](const caf::error& err) {
              --self_->state.hashing;
              replies::failure(r, err);
            });
  }

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  /// Revokes a session (and optionally one access token) here and, through Redis, everywhere.
  void revoke(const std::string& id, int64_t until) {
    record_revocation(self_, opt_.redis, *opt_.revoked, id, until);
  }

  /// Answers with a fresh access token (and refresh token, or cookies) for `user`.
  void respond_tokens(const req_ptr& r, int status, const user_row& user, const new_session& s,
                      bool cookies) {
    const auto now = now_of(self_);
    const auto ttl = opt_.access_ttl.count();
    jwt::claims c;
    c.sub = user.id;
    c.tid = user.tenant_id;
    c.sid = s.family_id;
    c.jti = crypto::random_uuid();
    c.iat = now;
    c.exp = now + ttl;
    const auto access = opt_.keys->issue(c);
    json::object body;
    body["user"] = user.to_json();
    body["token_type"] = "Bearer";
    body["expires_in"] = ttl;
    if (!cookies) {
      body["access_token"] = access;
      body["refresh_token"] = s.refresh_token;
      replies::json(r, status, body);
      return;
    }
    const auto csrf = crypto::random_token(24);
    replies::json(
        r, status, body,
        {{"Set-Cookie", cookie(opt_.cookies.access, access, ttl, true, opt_.secure_cookies)},
         {"Set-Cookie", cookie(opt_.cookies.refresh, s.refresh_token, opt_.refresh_ttl.count(),
                               true, opt_.secure_cookies)},
         {"Set-Cookie",
          cookie(opt_.cookies.csrf, csrf, opt_.refresh_ttl.count(), false, opt_.secure_cookies)}});
  }

  static void validation_failed(const req_ptr& r, identity::field_errors errors) {
    r->reply->fail(gh_errc::validation, "the request body is invalid", std::move(errors));
  }

  // --- register -----------------------------------------------------------------------------

  void do_register(const req_ptr& r) {
    auto decoded = identity::decode_register(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto req = std::make_shared<identity::register_request>(
        std::get<identity::register_request>(std::move(decoded)));
    rate_limit(
        r, "gh:rl:register:ip:" + r->remote_ip, opt_.limits.registrations_per_ip, [this, r, req] {
          on_hasher<std::string>(
              r, [this, r, req](std::string hash) { create_account(r, req, std::move(hash)); },
              hash_atom_v, req->password);
        });
  }

  struct register_outcome {
    std::optional<user_row> user;
    new_session session;
  };

  void create_account(const req_ptr& r, const std::shared_ptr<identity::register_request>& req,
                      std::string hash) {
    const auto tenant = opt_.default_tenant;
    const auto ttl = opt_.refresh_ttl;
    const auto now = now_of(self_);
    query<register_outcome>(
        r,
        [r, req, hash = std::move(hash), tenant, ttl, now](db::transaction& tx) {
          register_outcome out;
          const auto id = crypto::random_uuid();
          auto rows = tx.exec(
              "INSERT INTO users (id, tenant_id, email, phone, name, password_hash) "
              "VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING " +
                  std::string{user_columns},
              {id, tenant, req->email, req->phone, req->name, hash});
          if (rows.empty())
            return out; // email or phone taken: nothing written
          out.user = user_row::from(rows.front());
          events::write(tx, "user.created", tenant, user_event_data(*out.user));
          out.session = open_session(tx, *r, id, ttl);
          audit(tx, *r, tenant, id, "user.registered", id);
          return out;
        },
        [this, r, req](register_outcome out) {
          if (!out.user) {
            r->reply->fail(gh_errc::conflict, "an account with this email or phone already exists");
            return;
          }
          respond_tokens(r, 201, *out.user, out.session, req->cookie_session);
        });
  }

  // --- login --------------------------------------------------------------------------------

  void do_login(const req_ptr& r) {
    auto decoded = identity::decode_login(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto req = std::make_shared<identity::login_request>(
        std::get<identity::login_request>(std::move(decoded)));
    const auto identifier = req->email ? "email:" + *req->email : "phone:" + *req->phone;
    const auto fail_key = "gh:rl:login:fail:" + crypto::sha256_hex(identifier);
    rate_limit(
        r, "gh:rl:login:ip:" + r->remote_ip, opt_.limits.login_attempts_per_ip,
        [this, r, req, fail_key] {
          // Refuse at once while the identifier is locked out.
          static const std::string peek{redis::peek_hits_script};
          self_
              ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                        redis::command{"EVAL", peek, "1", fail_key})
              .then(
                  [this, r, req, fail_key](const redis::reply& rep) {
                    if (rep.type != redis::reply::kind::array || rep.elements.size() != 2) {
                      replies::failure(r, make_error(gh_errc::provider_unavailable));
                      return;
                    }
                    if (rep.elements[0].integer >= opt_.limits.login_failures_per_identifier) {
                      replies::problem(
                          r, gh_errc::rate_limited, "too many failed sign-ins; try again later",
                          {{"Retry-After",
                            std::to_string(std::max<long long>(rep.elements[1].integer, 1))}});
                      return;
                    }
                    find_login_user(r, req, fail_key);
                  },
                  [r](const caf::error& err) { replies::failure(r, err); });
        });
  }

  void find_login_user(const req_ptr& r, const std::shared_ptr<identity::login_request>& req,
                       const std::string& fail_key) {
    const auto tenant = opt_.default_tenant;
    query<std::optional<user_row>>(
        r,
        [req, tenant](db::transaction& tx) -> std::optional<user_row> {
          const auto sql = "SELECT " + std::string{user_columns} +
                           " FROM users WHERE tenant_id = $1::uuid AND " +
                           (req->email ? "email = $2" : "phone = $2");
          auto rows = tx.exec(sql, {tenant, req->email ? req->email : req->phone});
          if (rows.empty())
            return std::nullopt;
          return user_row::from(rows.front());
        },
        [this, r, req, fail_key](std::optional<user_row> user) {
          // Unknown users are checked against a dummy hash so both answers take as long.
          const auto hash = user ? user->password_hash : credentials::dummy_hash();
          on_hasher<bool>(
              r,
              [this, r, req, fail_key, user](bool ok) {
                if (!ok || !user || user->status != "active") {
                  login_failed(r, fail_key, user);
                  return;
                }
                login_succeeded(r, req, fail_key, *user);
              },
              verify_atom_v, hash, req->password);
        });
  }

  void login_failed(const req_ptr& r, const std::string& fail_key,
                    const std::optional<user_row>& user, std::string_view reason = "password") {
    const auto limit = opt_.limits.login_failures_per_identifier;
    count_hit(r, fail_key, opt_.limits.window.count(),
              [this, r, user, limit, reason = std::string{reason}](int64_t count, int64_t) {
                const auto tenant = user ? user->tenant_id : opt_.default_tenant;
                const auto target = user ? user->id : std::string{};
                opt_.db->transact(
                    self_, opt_.db_timeout,
                    [r, tenant, target, count, limit, reason](db::transaction& tx) {
                      json::object details;
                      details["failures"] = count;
                      details["reason"] = reason;
                      audit(tx, *r, tenant, target, "login.failed", target, details);
                      if (count == limit)
                        audit(tx, *r, tenant, target, "login.locked", target, details);
                    },
                    [](const caf::error&) {});
                replies::problem(r, gh_errc::unauthorized, "the credentials are not valid", {});
              });
  }

  void login_succeeded(const req_ptr& r, const std::shared_ptr<identity::login_request>& req,
                       const std::string& fail_key, const user_row& user) {
    if (user.mfa_enabled && !req->totp) {
      r->reply->fail(gh_errc::mfa_required, "this account needs a TOTP or recovery code");
      return;
    }
    const auto ttl = opt_.refresh_ttl;
    const auto now = now_of(self_);
    const auto code = req->totp.value_or(std::string{});
    query<std::optional<new_session>>(
        r,
        [r, user, ttl, now, code,
         key = opt_.sealing_key](db::transaction& tx) -> std::optional<new_session> {
          if (user.mfa_enabled && !consume_second_factor(tx, user.id, code, key, now))
            return std::nullopt;
          auto s = open_session(tx, *r, user.id, ttl);
          audit(tx, *r, user.tenant_id, user.id, "login.succeeded", user.id);
          return s;
        },
        [this, r, req, fail_key, user](std::optional<new_session> s) {
          if (!s) {
            login_failed(r, fail_key, user, "second_factor");
            return;
          }
          self_
              ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                        redis::command{"DEL", fail_key})
              .then([](const redis::reply&) {}, [](const caf::error&) {});
          respond_tokens(r, 200, user, *s, req->cookie_session);
        });
  }

  // --- refresh ------------------------------------------------------------------------------

  enum class refresh_result { ok, invalid, reused };

  struct refresh_outcome {
    refresh_result result = refresh_result::invalid;
    std::optional<user_row> user;
    new_session session;
  };

  void do_refresh(const req_ptr& r) {
    auto decoded = identity::decode_refresh(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto token = std::get<std::string>(std::move(decoded));
    bool from_cookie = false;
    if (token.empty()) {
      const auto* cookies = r->header("cookie");
      token = std::string{cookie_value(cookies != nullptr ? *cookies : "", opt_.cookies.refresh)};
      from_cookie = true;
    }
    if (token.empty() || token.size() > 256) {
      replies::problem(r, gh_errc::unauthorized, "a refresh token is required", {});
      return;
    }
    rate_limit(r, "gh:rl:refresh:ip:" + r->remote_ip, opt_.limits.refreshes_per_ip,
               [this, r, token, from_cookie] { rotate(r, token, from_cookie); });
  }

  void rotate(const req_ptr& r, const std::string& token, bool from_cookie) {
    const auto hash = crypto::sha256_hex(token);
    query<refresh_outcome>(
        r,
        [r, hash](db::transaction& tx) {
          refresh_outcome out;
          auto rows = tx.exec(
              "SELECT t.family_id::text, (t.used_at IS NOT NULL)::text, "
              "(f.revoked_at IS NOT NULL OR f.expires_at < now())::text, f.user_id::text, "
              "u.tenant_id::text, u.status FROM refresh_tokens t "
              "JOIN refresh_families f ON f.id = t.family_id JOIN users u ON u.id = f.user_id "
              "WHERE t.token_hash = $1 FOR UPDATE OF t, f",
              {hash});
          if (rows.empty())
            return out;
          const auto& row = rows.front();
          const auto family = db::text(row, 0);
          const auto user_id = db::text(row, 3);
          const auto tenant = db::text(row, 4);
          if (db::text(row, 1) == "true") {
            // A spent token came back: someone holds a copy. End the whole family.
            tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = 'reuse' "
                    "WHERE id = $1::uuid AND revoked_at IS NULL",
                    {family});
            audit(tx, *r, tenant, user_id, "refresh.reused", family);
            out.result = refresh_result::reused;
            out.session.family_id = family;
            return out;
          }
          if (db::text(row, 2) == "true" || db::text(row, 5) != "active")
            return out;
          tx.exec("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", {hash});
          out.session = {family, crypto::random_token(32)};
          tx.exec("INSERT INTO refresh_tokens (token_hash, family_id) VALUES ($1, $2::uuid)",
                  {crypto::sha256_hex(out.session.refresh_token), family});
          tx.exec("UPDATE refresh_families SET last_used_at = now() WHERE id = $1::uuid", {family});
          auto users = tx.exec(
              "SELECT " + std::string{user_columns} + " FROM users WHERE id = $1::uuid", {user_id});
          if (users.empty())
            return out;
          out.user = user_row::from(users.front());
          out.result = refresh_result::ok;
          return out;
        },
        [this, r, from_cookie](refresh_outcome out) {
          if (out.result == refresh_result::reused)
            revoke(out.session.family_id, now_of(self_) + opt_.access_ttl.count());
          if (out.result != refresh_result::ok) {
            replies::problem(r, gh_errc::unauthorized, "the refresh token is not valid",
                             from_cookie ? clear_cookies(opt_) : header_list{});
            return;
          }
          respond_tokens(r, 200, *out.user, out.session, from_cookie);
        });
  }

  // --- status, logout -----------------------------------------------------------------------

  std::function<std::optional<user_row>(db::transaction&)> load_user(const principal& who) {
    return
        [id = who.user_id, tenant = who.tenant_id](db::transaction& tx) -> std::optional<user_row> {
          auto rows = tx.exec(
              "SELECT " + std::string{user_columns} +
                  " FROM users WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'active'",
              {id, tenant});
          if (rows.empty())
            return std::nullopt;
          return user_row::from(rows.front());
        };
  }

  void do_status(const req_ptr& r) {
    if (!r->auth.is_user()) {
      replies::json(r, 200, json::object{{"authenticated", false}});
      return;
    }
    query<std::optional<user_row>>(r, load_user(r->auth), [r](std::optional<user_row> user) {
      json::object body;
      body["authenticated"] = user.has_value();
      if (user)
        body["user"] = user->to_json();
      replies::json(r, 200, body);
    });
  }

  void do_logout(const req_ptr& r) {
    const auto who = r->auth;
    query<bool>(
        r,
        [r, who](db::transaction& tx) {
          tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = 'logout' "
                  "WHERE id = $1::uuid AND user_id = $2::uuid AND revoked_at IS NULL",
                  {who.session_id, who.user_id});
          audit(tx, *r, who.tenant_id, who.user_id, "logout", who.session_id);
          return true;
        },
        [this, r, who](bool) {
          revoke(who.token_id, who.expires_at);
          revoke(who.session_id, now_of(self_) + opt_.access_ttl.count());
          replies::empty(r, who.via_cookie ? clear_cookies(opt_) : header_list{});
        });
  }

  // --- password change ----------------------------------------------------------------------

  void do_password_change(const req_ptr& r) {
    auto decoded = identity::decode_password_change(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto req = std::get<identity::password_change_request>(std::move(decoded));
    check_password(r, std::move(req.current_password), "current_password",
                   [this, r, new_password = std::move(req.new_password)] {
                     on_hasher<std::string>(
                         r, [this, r](std::string hash) { store_password(r, std::move(hash)); },
                         hash_atom_v, new_password);
                   });
  }

  /// Checks the caller's `password` (limited per user, hashed off the io threads) and calls
  /// `next()` when it is right; a wrong one is a validation problem naming `field`.
  template <class Next>
  void check_password(const req_ptr& r, std::string password, std::string field, Next next) {
    rate_limit(
        r, "gh:rl:password:user:" + r->auth.user_id, opt_.limits.login_failures_per_identifier,
        [this, r, password = std::move(password), field = std::move(field), next] {
          query<std::optional<user_row>>(
              r, load_user(r->auth),
              [this, r, password, field, next](std::optional<user_row> user) {
                if (!user) {
                  replies::problem(r, gh_errc::unauthorized, "the account is not active", {});
                  return;
                }
                on_hasher<bool>(
                    r,
                    [r, field, next](bool ok) mutable {
                      if (!ok) {
                        r->reply->fail(gh_errc::validation, "the password is wrong",
                                       {{field, "is wrong"}});
                        return;
                      }
                      next();
                    },
                    verify_atom_v, user->password_hash, password);
              });
        });
  }

  void store_password(const req_ptr& r, std::string hash) {
    const auto who = r->auth;
    query<std::vector<std::string>>(
        r,
        [r, who, hash = std::move(hash)](db::transaction& tx) {
          tx.exec("UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = "
                  "now() "
                  "WHERE id = $1::uuid",
                  {who.user_id, hash});
          auto ended = end_sessions(tx, who.user_id, "password_changed", who.session_id);
          json::object details;
          details["sessions_revoked"] = static_cast<int64_t>(ended.size());
          audit(tx, *r, who.tenant_id, who.user_id, "password.changed", who.user_id, details);
          return ended;
        },
        [this, r](const std::vector<std::string>& ended) {
          revoke_all(ended);
          replies::empty(r);
        });
  }

  /// Revokes each session in `families` until every access token issued for it has expired.
  void revoke_all(const std::vector<std::string>& families) {
    const auto until = now_of(self_) + opt_.access_ttl.count();
    for (const auto& family : families)
      revoke(family, until);
  }

  // --- sessions -----------------------------------------------------------------------------

  void do_sessions(const req_ptr& r) {
    const auto who = r->auth;
    query<db::rows>(
        r,
        [who](db::transaction& tx) {
          return tx.exec("SELECT id::text, to_char(created_at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                         "to_char(last_used_at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ip, user_agent "
                         "FROM refresh_families WHERE user_id = $1::uuid AND revoked_at IS NULL "
                         "AND expires_at > now() ORDER BY created_at",
                         {who.user_id});
        },
        [r, who](db::rows rows) {
          json::array list;
          for (const auto& row : rows) {
            json::object s;
            s["id"] = db::text(row, 0);
            s["created_at"] = db::text(row, 1);
            s["last_used_at"] = db::text(row, 2);
            s["ip"] = db::text(row, 3);
            s["user_agent"] = db::text(row, 4);
            s["current"] = db::text(row, 0) == who.session_id;
            list.push_back(std::move(s));
          }
          replies::json(r, 200, list);
        });
  }

  void do_revoke_session(const req_ptr& r) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such session");
      return;
    }
    const auto who = r->auth;
    query<bool>(
        r,
        [r, who, id](db::transaction& tx) {
          auto rows =
              tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = 'revoked' "
                      "WHERE id = $1::uuid AND user_id = $2::uuid AND revoked_at IS NULL "
                      "RETURNING id",
                      {id, who.user_id});
          if (rows.empty())
            return false;
          audit(tx, *r, who.tenant_id, who.user_id, "session.revoked", id);
          return true;
        },
        [this, r, id](bool found) {
          if (!found) {
            r->reply->fail(gh_errc::not_found, "no such session");
            return;
          }
          revoke(id, now_of(self_) + opt_.access_ttl.count());
          replies::empty(r);
        });
  }

  // --- profile ------------------------------------------------------------------------------

  void do_me(const req_ptr& r) {
    auto& cache = self_->state.profiles;
    const auto now = std::chrono::steady_clock::now();
    if (auto it = cache.find(r->auth.user_id); it != cache.end()) {
      if (it->second.until > now) {
        r->reply->respond({200, "application/json", it->second.body, {}});
        return;
      }
      cache.erase(it);
    }
    query<std::optional<user_row>>(r, load_user(r->auth), [this, r](std::optional<user_row> user) {
      if (!user) {
        r->reply->fail(gh_errc::not_found, "no such user");
        return;
      }
      auto body = json::serialize(user->to_json());
      auto& profiles = self_->state.profiles;
      if (profiles.size() >= profile_cache_limit)
        profiles.clear();
      profiles[user->id] = {body, std::chrono::steady_clock::now() + profile_cache_ttl};
      r->reply->respond({200, "application/json", std::move(body), {}});
    });
  }

  void do_patch_me(const req_ptr& r) {
    auto decoded = identity::decode_profile_patch(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto patch = std::get<identity::profile_patch>(std::move(decoded));
    const auto who = r->auth;
    self_->state.profiles.erase(who.user_id);
    const auto now = now_of(self_);
    query<std::optional<user_row>>(
        r,
        [r, who, patch, now](db::transaction& tx) -> std::optional<user_row> {
          db::rows rows;
          if (patch.set_name)
            rows = tx.exec("UPDATE users SET name = $3, updated_at = now() WHERE id = $1::uuid "
                           "AND tenant_id = $2::uuid AND status = 'active' RETURNING " +
                               std::string{user_columns},
                           {who.user_id, who.tenant_id, patch.name});
          else
            rows = tx.exec("SELECT " + std::string{user_columns} +
                               " FROM users WHERE id = $1::uuid AND tenant_id = $2::uuid AND "
                               "status = 'active'",
                           {who.user_id, who.tenant_id});
          if (rows.empty())
            return std::nullopt;
          auto user = user_row::from(rows.front());
          if (patch.set_name) {
            events::write(tx, "user.updated", user.tenant_id, user_event_data(user));
            audit(tx, *r, user.tenant_id, user.id, "profile.updated", user.id);
          }
          return user;
        },
        [this, r](std::optional<user_row> user) {
          if (!user) {
            r->reply->fail(gh_errc::not_found, "no such user");
            return;
          }
          // The new profile replaces anything a concurrent read put in the cache.
          auto body = json::serialize(user->to_json());
          self_->state.profiles[user->id] = {body,
                                             std::chrono::steady_clock::now() + profile_cache_ttl};
          r->reply->respond({200, "application/json", std::move(body), {}});
        });
  }

  // --- forgotten password -------------------------------------------------------------------

  void do_password_forgot(const req_ptr& r) {
    auto decoded = identity::decode_password_forgot(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto email = std::get<std::string>(std::move(decoded));
    const auto per_email = "gh:rl:forgot:id:" + crypto::sha256_hex(email);
    rate_limit(r, "gh:rl:forgot:ip:" + r->remote_ip, opt_.limits.registrations_per_ip,
               [this, r, email, per_email] {
                 rate_limit(r, per_email, opt_.limits.resets_per_identifier,
                            [this, r, email] { send_reset_link(r, email); });
               });
  }

  void send_reset_link(const req_ptr& r, const std::string& email) {
    const auto tenant = opt_.default_tenant;
    const auto now = now_of(self_);
    const auto ttl = opt_.reset_ttl;
    const auto base = opt_.public_url;
    // The same answer, at once, whether or not the address has an account: neither the status
    // nor the time taken tells. The link is written after the answer.
    replies::json(r, 202, json::object{{"status", "accepted"}});
    opt_.db->transact(
        self_, opt_.db_timeout,
        [r, email, tenant, now, ttl, base](db::transaction& tx) {
          auto rows = tx.exec("SELECT id::text, name FROM users WHERE tenant_id = $1::uuid AND "
                              "email = $2 AND status = 'active'",
                              {tenant, email});
          if (rows.empty())
            return;
          const auto user_id = db::text(rows.front(), 0);
          const auto id = crypto::random_uuid();
          const auto token = crypto::random_token(32);
          tx.exec("INSERT INTO password_resets (id, token_hash, user_id, expires_at) VALUES "
                  "($1::uuid, $2, $3::uuid, now() + make_interval(secs => $4::bigint))",
                  {id, crypto::sha256_hex(token), user_id, std::to_string(ttl.count())});
          json::object vars;
          vars["reset_url"] = base + "/reset-password?token=" + token;
          vars["expires_in_minutes"] = ttl.count() / 60;
          if (rows.front().at(1))
            vars["name"] = *rows.front().at(1);
          json::object mail;
          mail["to"] = email;
          mail["template"] = "password_reset";
          mail["vars"] = std::move(vars);
          mail["idempotency_key"] = "password_reset:" + id;
          events::write(tx, "email.send", tenant, std::move(mail));
          audit(tx, *r, tenant, user_id, "password.reset_requested", user_id);
        },
        [](const caf::error& err) {
          if (err)
            log::warn("a password-reset link could not be written; the user may ask again");
        });
  }

  void do_password_reset(const req_ptr& r) {
    auto decoded = identity::decode_password_reset(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    auto req = std::make_shared<identity::password_reset_request>(
        std::get<identity::password_reset_request>(std::move(decoded)));
    const auto token_hash = crypto::sha256_hex(req->token);
    rate_limit(
        r, "gh:rl:reset:ip:" + r->remote_ip, opt_.limits.login_attempts_per_ip,
        [this, r, req, token_hash] {
          // Look before hashing: a dead link costs no argon2 time.
          query<bool>(
              r,
              [token_hash](db::transaction& tx) {
                return !tx.exec("SELECT 1 FROM password_resets p JOIN users u ON u.id = p.user_id "
                                "WHERE p.token_hash = $1 AND p.used_at IS NULL AND "
                                "p.expires_at > now() AND u.status = 'active'",
                                {token_hash})
                            .empty();
              },
              [this, r, req, token_hash](bool live) {
                if (!live) {
                  reset_link_dead(r);
                  return;
                }
                on_hasher<std::string>(
                    r,
                    [this, r, token_hash](std::string hash) {
                      finish_reset(r, token_hash, std::move(hash));
                    },
                    hash_atom_v, req->new_password);
              });
        });
  }

  static void reset_link_dead(const req_ptr& r) {
    r->reply->fail(gh_errc::validation, "the reset link is not valid",
                   {{"token", "is invalid, used or expired"}});
  }

  void finish_reset(const req_ptr& r, const std::string& token_hash, std::string hash) {
    query<std::optional<std::vector<std::string>>>(
        r,
        [r, token_hash,
         hash = std::move(hash)](db::transaction& tx) -> std::optional<std::vector<std::string>> {
          auto rows = tx.exec("UPDATE password_resets p SET used_at = now() FROM users u "
                              "WHERE p.token_hash = $1 AND p.used_at IS NULL AND "
                              "p.expires_at > now() AND u.id = p.user_id AND u.status = 'active' "
                              "RETURNING u.id::text, u.tenant_id::text",
                              {token_hash});
          if (rows.empty())
            return std::nullopt;
          const auto user_id = db::text(rows.front(), 0);
          const auto tenant = db::text(rows.front(), 1);
          tx.exec("UPDATE users SET password_hash = $2, password_changed_at = now(), "
                  "updated_at = now() WHERE id = $1::uuid",
                  {user_id, hash});
          // Other links sent before this one die with it.
          tx.exec("UPDATE password_resets SET used_at = now() WHERE user_id = $1::uuid AND "
                  "used_at IS NULL",
                  {user_id});
          auto ended = end_sessions(tx, user_id, "password_reset");
          json::object details;
          details["sessions_revoked"] = static_cast<int64_t>(ended.size());
          audit(tx, *r, tenant, user_id, "password.reset", user_id, details);
          return ended;
        },
        [this, r](const std::optional<std::vector<std::string>>& ended) {
          if (!ended) {
            reset_link_dead(r);
            return;
          }
          revoke_all(*ended);
          replies::empty(r);
        });
  }

  // --- two-factor authentication ------------------------------------------------------------

  struct totp_setup {
    code_outcome result = code_outcome::gone;
    std::string secret;
    std::string account;
  };

  void do_totp_setup(const req_ptr& r) {
    // Its own counter: set-ups do not eat into the attempts at a code.
    rate_limit(r, "gh:rl:totp-setup:user:" + r->auth.user_id, opt_.limits.totp_attempts_per_user,
               [this, r] { start_totp_setup(r); });
  }

  void start_totp_setup(const req_ptr& r) {
    const auto who = r->auth;
    query<totp_setup>(
        r,
        [r, who, key = opt_.sealing_key](db::transaction& tx) {
          totp_setup out;
          auto rows = tx.exec("SELECT mfa_enabled::text, coalesce(email, phone) FROM users "
                              "WHERE id = $1::uuid AND tenant_id = $2::uuid AND "
                              "status = 'active' FOR UPDATE",
                              {who.user_id, who.tenant_id});
          if (rows.empty())
            return out;
          if (db::text(rows.front(), 0) == "true") {
            out.result = code_outcome::conflict;
            return out;
          }
          const auto secret = crypto::random_bytes(totp::secret_bytes);
          tx.exec("UPDATE users SET totp_pending = $2 WHERE id = $1::uuid",
                  {who.user_id, crypto::seal(key, secret, totp_context(who.user_id))});
          audit(tx, *r, who.tenant_id, who.user_id, "mfa.setup_started", who.user_id);
          out.result = code_outcome::done;
          out.secret = crypto::base32_encode(secret);
          out.account = db::text(rows.front(), 1);
          return out;
        },
        [r](const totp_setup& out) {
          if (out.result == code_outcome::gone) {
            replies::problem(r, gh_errc::unauthorized, "the account is not active", {});
            return;
          }
          if (out.result == code_outcome::conflict) {
            r->reply->fail(gh_errc::conflict,
                           "two-factor authentication is already on; turn it off first");
            return;
          }
          json::object body;
          body["secret"] = out.secret;
          body["otpauth_uri"] = totp::otpauth_uri("Gatehouse", out.account, out.secret);
          replies::json(r, 200, body);
        });
  }

  /// Decodes `{code}` and runs `next(code)` within the per-user limit of TOTP attempts.
  template <class Next>
  void with_totp_code(const req_ptr& r, Next next) {
    auto decoded = identity::decode_totp_code(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    rate_limit(r, "gh:rl:totp:user:" + r->auth.user_id, opt_.limits.totp_attempts_per_user,
               [next, code = std::get<std::string>(std::move(decoded))]() mutable {
                 next(std::move(code));
               });
  }

  /// Answers a code-guarded change that did not happen.
  static void code_refused(const req_ptr& r, code_outcome result, std::string_view conflict) {
    if (result == code_outcome::wrong_code)
      r->reply->fail(gh_errc::validation, "the code is not valid", {{"code", "is not valid"}});
    else if (result == code_outcome::conflict)
      r->reply->fail(gh_errc::conflict, std::string{conflict});
    else
      replies::problem(r, gh_errc::unauthorized, "the account is not active", {});
  }

  struct totp_enabled {
    code_outcome result = code_outcome::gone;
    std::vector<std::string> recovery_codes;
  };

  void do_totp_enable(const req_ptr& r) {
    with_totp_code(r, [this, r](std::string code) {
      const auto who = r->auth;
      const auto now = now_of(self_);
      query<totp_enabled>(
          r,
          [r, who, code, now, key = opt_.sealing_key](db::transaction& tx) {
            totp_enabled out;
            auto rows = tx.exec("SELECT mfa_enabled::text, totp_pending FROM users WHERE "
                                "id = $1::uuid AND tenant_id = $2::uuid AND status = 'active' "
                                "FOR UPDATE",
                                {who.user_id, who.tenant_id});
            if (rows.empty())
              return out;
            const auto& row = rows.front();
            auto secret =
                row.at(1) ? crypto::open(key, *row.at(1), totp_context(who.user_id)) : std::nullopt;
            if (db::text(row, 0) == "true" || !secret) {
              out.result = code_outcome::conflict;
              return out;
            }
            const auto step = totp::match(*secret, code, now, 0);
            if (!step) {
              out.result = code_outcome::wrong_code;
              return out;
            }
            tx.exec("UPDATE users SET mfa_enabled = true, totp_secret = totp_pending, "
                    "totp_pending = NULL, totp_last_step = $2::bigint, updated_at = now() "
                    "WHERE id = $1::uuid",
                    {who.user_id, std::to_string(*step)});
            tx.exec("DELETE FROM recovery_codes WHERE user_id = $1::uuid", {who.user_id});
            for (int i = 0; i < 10; ++i) {
              auto recovery = totp::new_recovery_code();
              tx.exec("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1::uuid, $2)",
                      {who.user_id, crypto::sha256_hex(*totp::normalise_recovery_code(recovery))});
              out.recovery_codes.push_back(std::move(recovery));
            }
            audit(tx, *r, who.tenant_id, who.user_id, "mfa.enabled", who.user_id);
            out.result = code_outcome::done;
            return out;
          },
          [this, r](const totp_enabled& out) {
            // A read racing the change may have cached the old profile: drop it now.
            self_->state.profiles.erase(r->auth.user_id);
            if (out.result != code_outcome::done) {
              code_refused(r, out.result,
                           "no TOTP set-up is pending (call setup first) or two-factor is on");
              return;
            }
            json::array codes;
            for (const auto& c : out.recovery_codes)
              codes.emplace_back(c);
            replies::json(r, 200, json::object{{"recovery_codes", std::move(codes)}});
          });
    });
  }

  void do_totp_disable(const req_ptr& r) {
    with_totp_code(r, [this, r](std::string code) {
      const auto who = r->auth;
      const auto now = now_of(self_);
      query<code_outcome>(
          r,
          [r, who, code, now, key = opt_.sealing_key](db::transaction& tx) {
            auto rows = tx.exec("SELECT mfa_enabled::text FROM users WHERE id = $1::uuid AND "
                                "tenant_id = $2::uuid AND status = 'active' FOR UPDATE",
                                {who.user_id, who.tenant_id});
            if (rows.empty())
              return code_outcome::gone;
            if (db::text(rows.front(), 0) != "true")
              return code_outcome::conflict;
            if (!consume_second_factor(tx, who.user_id, code, key, now))
              return code_outcome::wrong_code;
            tx.exec("UPDATE users SET mfa_enabled = false, totp_secret = NULL, "
                    "totp_pending = NULL, totp_last_step = 0, updated_at = now() "
                    "WHERE id = $1::uuid",
                    {who.user_id});
            tx.exec("DELETE FROM recovery_codes WHERE user_id = $1::uuid", {who.user_id});
            audit(tx, *r, who.tenant_id, who.user_id, "mfa.disabled", who.user_id);
            return code_outcome::done;
          },
          [this, r](code_outcome result) {
            self_->state.profiles.erase(r->auth.user_id);
            if (result != code_outcome::done) {
              code_refused(r, result, "two-factor authentication is not on");
              return;
            }
            replies::empty(r);
          });
    });
  }

  // --- account deletion ---------------------------------------------------------------------

  void do_delete_me(const req_ptr& r) {
    auto decoded = identity::decode_account_deletion(r->body);
    if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    check_password(r, std::get<std::string>(std::move(decoded)), "password",
                   [this, r] { delete_account(r); });
  }

  void delete_account(const req_ptr& r) {
    const auto who = r->auth;
    const auto now = now_of(self_);
    query<std::optional<std::vector<std::string>>>(
        r,
        [r, who, now](db::transaction& tx) -> std::optional<std::vector<std::string>> {
          auto ended = end_sessions(tx, who.user_id, "account_deleted");
          // Sessions, tokens, recovery codes and reset links go with the row (ON DELETE
          // CASCADE); the audit log keeps only the id.
          auto rows = tx.exec("DELETE FROM users WHERE id = $1::uuid AND tenant_id = $2::uuid "
                              "RETURNING id",
                              {who.user_id, who.tenant_id});
          if (rows.empty())
            return std::nullopt;
          events::write(tx, "user.deleted", who.tenant_id, json::object{{"user_id", who.user_id}});
          audit(tx, *r, who.tenant_id, who.user_id, "user.deleted", who.user_id);
          return ended;
        },
        [this, r, who](const std::optional<std::vector<std::string>>& ended) {
          self_->state.profiles.erase(who.user_id);
          if (!ended) {
            r->reply->fail(gh_errc::not_found, "no such user");
            return;
          }
          revoke_all(*ended);
          revoke(who.session_id, now_of(self_) + opt_.access_ttl.count());
          replies::empty(r, who.via_cookie ? clear_cookies(opt_) : header_list{});
        });
  }

  self_ptr self_;
  identity_options& opt_;
};

caf::behavior identity_impl(caf::stateful_actor<identity_state>* self, identity_options options) {
  self->state.opt = std::move(options);
  auto service = std::make_shared<identity_service>(self);
  self->send(self, sync_atom_v);
  return {
      [service](http_request& req) { service->handle(req); },
      [self, service](sync_atom) {
        service->sync_revocations();
        self->delayed_send(self, std::chrono::seconds{1}, sync_atom_v);
      },
  };
}

} // namespace

http_handler_actor spawn_identity(caf::actor_system& sys, identity_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn(identity_impl, std::move(options)));
}

const std::vector<identity_route>& identity_routes() {
  static const std::vector<identity_route> routes{
      {"GET", "/.well-known/jwks.json", false, "none"},
      {"POST", "/api/v1/auth/register", true, "none"},
      {"POST", "/api/v1/auth/login", true, "none"},
      {"POST", "/api/v1/auth/refresh", false, "none"},
      {"POST", "/api/v1/auth/logout", false, "user"},
      {"GET", "/api/v1/auth/status", false, "optional"},
      {"POST", "/api/v1/auth/password/forgot", true, "none"},
      {"POST", "/api/v1/auth/password/reset", true, "none"},
      {"POST", "/api/v1/auth/mfa/totp/setup", false, "user"},
      {"POST", "/api/v1/auth/mfa/totp/enable", true, "user"},
      {"DELETE", "/api/v1/auth/mfa/totp", true, "user"},
      {"POST", "/api/v1/auth/password", true, "user"},
      {"GET", "/api/v1/auth/sessions", false, "user"},
      {"DELETE", "/api/v1/auth/sessions/{id}", false, "user"},
      {"GET", "/api/v1/users/me", false, "user"},
      {"PATCH", "/api/v1/users/me", true, "user"},
      {"DELETE", "/api/v1/users/me", true, "user"},
  };
  return routes;
}

} // namespace gh
