#include "actors/identity/identity_service.hpp"

#include "actors/audit.hpp"
#include "actors/identity/requests.hpp"
#include "actors/identity/totp.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/array.hpp>

// Two-factor authentication: TOTP set-up, enabling with ten recovery codes, disabling.

namespace gh::identity {

namespace {

// --- two-factor authentication ------------------------------------------------------------
struct totp_setup {
  code_outcome result = code_outcome::gone;
  std::string secret;
  std::string account;
};

struct totp_enabled {
  code_outcome result = code_outcome::gone;
  std::vector<std::string> recovery_codes;
};

} // namespace

void identity_service::do_totp_setup(const req_ptr& r) {
  // Its own counter: set-ups do not eat into the attempts at a code.
  rate_limit(r, "gh:rl:totp-setup:user:" + r->auth.user_id, opt_.limits.totp_attempts_per_user,
             [this, r] { start_totp_setup(r); });
}

void identity_service::start_totp_setup(const req_ptr& r) {
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
        audit::write(tx, *r, who.tenant_id, who.user_id, "mfa.setup_started", who.user_id);
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

template <class Next>
void identity_service::with_totp_code(const req_ptr& r, Next next) {
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

void identity_service::code_refused(const req_ptr& r, code_outcome result,
                                    std::string_view conflict) {
  if (result == code_outcome::wrong_code)
    r->reply->fail(gh_errc::validation, "the code is not valid", {{"code", "is not valid"}});
  else if (result == code_outcome::conflict)
    r->reply->fail(gh_errc::conflict, std::string{conflict});
  else
    replies::problem(r, gh_errc::unauthorized, "the account is not active", {});
}

void identity_service::do_totp_enable(const req_ptr& r) {
  with_totp_code(r, [this, r](const std::string& code) {
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
          audit::write(tx, *r, who.tenant_id, who.user_id, "mfa.enabled", who.user_id);
          out.result = code_outcome::done;
          return out;
        },
        [this, r](const totp_enabled& out) {
          // A read racing the change may have cached the old profile: drop it now.
          opt_.profiles->erase(r->auth.user_id);
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

void identity_service::do_totp_disable(const req_ptr& r) {
  with_totp_code(r, [this, r](const std::string& code) {
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
          audit::write(tx, *r, who.tenant_id, who.user_id, "mfa.disabled", who.user_id);
          return code_outcome::done;
        },
        [this, r](code_outcome result) {
          opt_.profiles->erase(r->auth.user_id);
          if (result != code_outcome::done) {
            code_refused(r, result, "two-factor authentication is not on");
            return;
          }
          replies::empty(r);
        });
  });
}

} // namespace gh::identity
