#include "actors/identity/identity_service.hpp"

#include "actors/identity/totp.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>

namespace gh::identity {

int64_t now_of(self_ptr self) {
  if (self->state.opt.now)
    return self->state.opt.now();
  return unix_now();
}

header_list clear_cookies(const identity_options& opt) {
  return {{"Set-Cookie", cookie(opt.cookies.access, "", 0, true, opt.secure_cookies)},
          {"Set-Cookie", cookie(opt.cookies.refresh, "", 0, true, opt.secure_cookies)},
          {"Set-Cookie", cookie(opt.cookies.csrf, "", 0, false, opt.secure_cookies)}};
}

sign_in::cookie_policy cookie_policy_of(const identity_options& opt) {
  return {opt.cookies, opt.secure_cookies, opt.csrf_key, opt.access_ttl, opt.refresh_ttl};
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

std::string issue_access_token(const jwt::key_ring& keys, const user_row& user,
                               const std::string& family, int64_t now, int64_t ttl) {
  return sign_in::access_token(keys, user.id, user.tenant_id, family, now, ttl);
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

void identity_service::handle(http_request& in) {
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

void identity_service::sync_revocations() {
  const auto now = now_of(self_);
  self_
      ->request(
          opt_.redis, std::chrono::seconds{2}, exec_atom_v,
          redis::command{"ZRANGEBYSCORE", "gh:revoked", std::to_string(now), "+inf", "WITHSCORES"})
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

void identity_service::revoke(const std::string& id, int64_t until) {
  record_revocation(self_, opt_.redis, *opt_.revoked, id, until);
}

void identity_service::respond_tokens(const req_ptr& r, int status, const user_row& user,
                                      const new_session& s, bool cookies,
                                      const std::string& access_token) {
  const auto ttl = opt_.access_ttl.count();
  const auto access = access_token.empty()
                          ? issue_access_token(*opt_.keys, user, s.family_id, now_of(self_), ttl)
                          : access_token;
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
  replies::json(r, status, body, sign_in::session_cookies(cookie_policy_of(opt_), access, s));
}

void identity_service::validation_failed(const req_ptr& r, identity::field_errors errors) {
  r->reply->fail(gh_errc::validation, "the request body is invalid", std::move(errors));
}

std::function<std::optional<user_row>(db::transaction&)>
identity_service::load_user(const principal& who) {
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

http_handler_actor spawn_identity(caf::actor_system& sys, identity_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn(identity_impl, std::move(options)));
}

const std::vector<route_entry>& routes() {
  static const std::vector<route_entry> all{
      {"GET", "/.well-known/jwks.json", body_kind::none, auth_policy::none},
      {"POST", "/api/v1/auth/register", body_kind::json, auth_policy::none},
      {"POST", "/api/v1/auth/login", body_kind::json, auth_policy::none},
      {"POST", "/api/v1/auth/refresh", body_kind::none, auth_policy::none},
      {"POST", "/api/v1/auth/logout", body_kind::none, auth_policy::user},
      {"GET", "/api/v1/auth/status", body_kind::none, auth_policy::optional},
      {"POST", "/api/v1/auth/password/forgot", body_kind::json, auth_policy::none},
      {"POST", "/api/v1/auth/password/reset", body_kind::json, auth_policy::none},
      {"POST", "/api/v1/auth/mfa/totp/setup", body_kind::none, auth_policy::user},
      {"POST", "/api/v1/auth/mfa/totp/enable", body_kind::json, auth_policy::user},
      {"DELETE", "/api/v1/auth/mfa/totp", body_kind::json, auth_policy::user},
      {"POST", "/api/v1/auth/password", body_kind::json, auth_policy::user},
      {"GET", "/api/v1/auth/sessions", body_kind::none, auth_policy::user},
      {"DELETE", "/api/v1/auth/sessions/{id}", body_kind::none, auth_policy::user},
      {"GET", "/api/v1/users/me", body_kind::none, auth_policy::user},
      {"PATCH", "/api/v1/users/me", body_kind::json, auth_policy::user},
      {"DELETE", "/api/v1/users/me", body_kind::json, auth_policy::user},
  };
  return all;
}

} // namespace gh::identity
