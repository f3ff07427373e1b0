#include "actors/identity/identity_service.hpp"

#include "actors/audit.hpp"
#include "actors/identity/password_hash.hpp"
#include "actors/identity/requests.hpp"
#include "actors/outbox.hpp"
#include "crypto/crypto.hpp"

// Registration and sign-in: accounts created, passwords checked, second factors asked.

namespace gh::identity {

namespace {

struct register_outcome {
  std::optional<user_row> user;
  new_session session;
};

/// The data of `user.login_failed`: the account (its id and the identifiers it signs in with),
/// why the sign-in failed (`password`, `inactive`, `second_factor`) and the failures counted in
/// this window. Never what was typed.
json::object login_failed_data(const user_row& user, const std::string& reason, int64_t count) {
  auto d = user_event_data(user);
  d.erase("name");
  d["reason"] = reason;
  d["failures"] = count;
  return d;
}

} // namespace

void identity_service::do_register(const req_ptr& r) {
  auto decoded = identity::decode_register(r->body);
  if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
    validation_failed(r, std::move(*errors));
    return;
  }
  auto req = std::make_shared<identity::register_request>(
      std::get<identity::register_request>(std::move(decoded)));
  rate_limit(r, "gh:rl:register:ip:" + r->remote_ip, opt_.limits.registrations_per_ip,
             [this, r, req] {
               on_hasher<std::string>(
                   r, [this, r, req](std::string hash) { create_account(r, req, std::move(hash)); },
                   hash_atom_v, req->password);
             });
}

void identity_service::create_account(const req_ptr& r,
                                      const std::shared_ptr<identity::register_request>& req,
                                      std::string hash) {
  const auto tenant = opt_.default_tenant;
  const auto ttl = opt_.refresh_ttl;
  query<register_outcome>(
      r,
      [r, req, hash = std::move(hash), tenant, ttl](db::transaction& tx) {
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
        audit::write(tx, *r, tenant, id, "user.registered", id);
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

void identity_service::do_login(const req_ptr& r) {
  auto decoded = identity::decode_login(r->body);
  if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
    validation_failed(r, std::move(*errors));
    return;
  }
  auto req = std::make_shared<identity::login_request>(
      std::get<identity::login_request>(std::move(decoded)));
  const auto identifier = req->email ? "email:" + *req->email : "phone:" + *req->phone;
  const auto fail_key = "gh:rl:login:fail:" + crypto::sha256_hex(identifier);
  rate_limit(r, "gh:rl:login:ip:" + r->remote_ip, opt_.limits.login_attempts_per_ip,
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
                           replies::problem(r, gh_errc::rate_limited,
                                            "too many failed sign-ins; try again later",
                                            {{"Retry-After", std::to_string(std::max<long long>(
                                                                 rep.elements[1].integer, 1))}});
                           return;
                         }
                         find_login_user(r, req, fail_key);
                       },
                       [r](const caf::error& err) { replies::failure(r, err); });
             });
}

void identity_service::find_login_user(const req_ptr& r,
                                       const std::shared_ptr<identity::login_request>& req,
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
                login_failed(r, fail_key, user, ok && user ? "inactive" : "password");
                return;
              }
              login_succeeded(r, req, fail_key, *user);
            },
            verify_atom_v, hash, req->password);
      });
}

void identity_service::login_failed(const req_ptr& r, const std::string& fail_key,
                                    const std::optional<user_row>& user, std::string_view reason) {
  const auto limit = opt_.limits.login_failures_per_identifier;
  count_hit(r, fail_key, opt_.limits.window.count(),
            [this, r, user, limit, reason = std::string{reason}](int64_t count, int64_t) {
              const auto tenant = user ? user->tenant_id : opt_.default_tenant;
              const auto target = user ? user->id : std::string{};
              opt_.db->transact(
                  self_, opt_.db_timeout,
                  [r, user, tenant, target, count, limit, reason](db::transaction& tx) {
                    json::object details;
                    details["failures"] = count;
                    details["reason"] = reason;
                    audit::write(tx, *r, tenant, target, "login.failed", target, details);
                    if (count == limit)
                      audit::write(tx, *r, tenant, target, "login.locked", target, details);
                    // Announced for accounts that exist, and only up to the lockout: an
                    // identifier adds at most `limit` events per window, however hard it is
                    // hammered (locked-out attempts never get this far).
                    if (user && count <= limit)
                      events::write(tx, "user.login_failed", tenant,
                                    login_failed_data(*user, reason, count));
                  },
                  [](const caf::error&) {});
              replies::problem(r, gh_errc::unauthorized, "the credentials are not valid", {});
            });
}

void identity_service::login_succeeded(const req_ptr& r,
                                       const std::shared_ptr<identity::login_request>& req,
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
        audit::write(tx, *r, user.tenant_id, user.id, "login.succeeded", user.id);
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

} // namespace gh::identity
