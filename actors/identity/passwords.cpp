#include "actors/identity/identity_service.hpp"

#include "actors/audit.hpp"
#include "actors/identity/requests.hpp"
#include "actors/outbox.hpp"
#include "config/log.hpp"
#include "crypto/crypto.hpp"

// Passwords: change (ending the other sessions), forgotten-password links and their use.

namespace gh::identity {

void identity_service::do_password_change(const req_ptr& r) {
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

void identity_service::store_password(const req_ptr& r, std::string hash) {
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
        audit::write(tx, *r, who.tenant_id, who.user_id, "password.changed", who.user_id, details);
        return ended;
      },
      [this, r](const std::vector<std::string>& ended) {
        revoke_all(ended);
        replies::empty(r);
      });
}

void identity_service::revoke_all(const std::vector<std::string>& families) {
  const auto until = now_of(self_) + opt_.access_ttl.count();
  for (const auto& family : families)
    revoke(family, until);
}

void identity_service::do_password_forgot(const req_ptr& r) {
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

void identity_service::send_reset_link(const req_ptr& r, const std::string& email) {
  const auto tenant = opt_.default_tenant;
  const auto ttl = opt_.reset_ttl;
  const auto base = opt_.public_url;
  // The same answer, at once, whether or not the address has an account: neither the status
  // nor the time taken tells. The link is written after the answer.
  replies::json(r, 202, json::object{{"status", "accepted"}});
  opt_.db->transact(
      self_, opt_.db_timeout,
      [r, email, tenant, ttl, base](db::transaction& tx) {
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
        audit::write(tx, *r, tenant, user_id, "password.reset_requested", user_id);
      },
      [](const caf::error& err) {
        if (err)
          log::warn("a password-reset link could not be written; the user may ask again");
      });
}

void identity_service::do_password_reset(const req_ptr& r) {
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

void identity_service::reset_link_dead(const req_ptr& r) {
  r->reply->fail(gh_errc::validation, "the reset link is not valid",
                 {{"token", "is invalid, used or expired"}});
}

void identity_service::finish_reset(const req_ptr& r, const std::string& token_hash,
                                    std::string hash) {
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
        audit::write(tx, *r, tenant, user_id, "password.reset", user_id, details);
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

} // namespace gh::identity
