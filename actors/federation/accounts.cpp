#include "actors/federation/accounts.hpp"

#include "actors/audit.hpp"
#include "actors/outbox.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/object.hpp>

namespace gh::federation {

namespace json = boost::json;

namespace {

json::object user_data(const std::string& user_id, const std::string& provider,
                       const std::string& email, const std::string& name) {
  json::object d;
  d["user_id"] = user_id;
  if (!email.empty())
    d["email"] = email;
  if (!name.empty())
    d["name"] = name;
  d["provider"] = provider;
  return d;
}

json::object identity_details(const provider_identity& who) {
  json::object d;
  d["provider"] = who.provider;
  d["subject"] = who.subject;
  return d;
}

void insert_identity(db::transaction& tx, const provider_identity& who,
                     const std::string& user_id) {
  tx.exec("INSERT INTO user_identities (provider, subject, user_id, email) "
          "VALUES ($1, $2, $3::uuid, $4)",
          {who.provider, who.subject, user_id, who.email.empty() ? db::param{} : who.email});
}

/// The e-mail the user row may carry: only one the provider verified.
db::param verified_email(const provider_identity& who) {
  if (who.email.empty() || !who.email_verified)
    return std::nullopt;
  return who.email;
}

/// Refreshes a known identity's claims; true when the user's name or e-mail changed.
bool refresh_claims(db::transaction& tx, const provider_identity& who, const std::string& user_id,
                    const std::string& tenant_id) {
  tx.exec("UPDATE user_identities SET email = $3, updated_at = now() "
          "WHERE provider = $1 AND subject = $2 AND email IS DISTINCT FROM $3",
          {who.provider, who.subject, who.email.empty() ? db::param{} : who.email});
  bool changed = false;
  if (!who.name.empty())
    changed |= !tx.exec("UPDATE users SET name = $2, updated_at = now() "
                        "WHERE id = $1::uuid AND name IS DISTINCT FROM $2 RETURNING 1",
                        {user_id, who.name})
                    .empty();
  // A verified address moves to the user unless another account of the tenant holds it.
  if (auto email = verified_email(who))
    changed |= !tx.exec("UPDATE users SET email = $2, updated_at = now() "
                        "WHERE id = $1::uuid AND email IS DISTINCT FROM $2 AND NOT EXISTS "
                        "(SELECT 1 FROM users o WHERE o.tenant_id = $3::uuid AND o.email = $2 "
                        "AND o.id <> $1::uuid) RETURNING 1",
                        {user_id, *email, tenant_id})
                    .empty();
  return changed;
}

/// Serialises every sign-in of one identity, so its first two logins make one user.
void lock_identity(db::transaction& tx, const provider_identity& who) {
  tx.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
          {who.provider + "\n" + who.subject});
}

} // namespace

namespace {

/// Links `who` to `user_id` (see `link_identity`).
resolution link_to_user(db::transaction& tx, const audit::origin& from,
                        const provider_identity& who, const std::string& user_id,
                        const std::string& tenant_id);

/// What a resolution is for: a sign-in, a provider token presented as bearer, or a provider's
/// webhook.
struct resolve_mode {
  bool audit_login = true; ///< a sign-in: audited as `login.succeeded`
  bool refresh = true;     ///< the claims update a known identity's user
  bool create = true;      ///< an unknown identity may make or link a user
};

/// The just-in-time rules shared by sign-ins, provider tokens and provider webhooks.
resolution resolve_identity(db::transaction& tx, const audit::origin& from,
                            const provider_identity& who, bool trust_email,
                            const std::string& default_tenant, resolve_mode mode) {
  lock_identity(tx, who);
  auto known = tx.exec("SELECT u.id::text, u.tenant_id::text, u.status FROM user_identities i "
                       "JOIN users u ON u.id = i.user_id WHERE i.provider = $1 AND i.subject = $2",
                       {who.provider, who.subject});
  if (!known.empty()) {
    const auto id = db::text(known.front(), 0);
    const auto tenant = db::text(known.front(), 1);
    if (db::text(known.front(), 2) != "active")
      return {outcome::disabled, id, tenant, "this account is disabled"};
    if (!mode.refresh)
      return {outcome::signed_in, id, tenant, {}};
    if (refresh_claims(tx, who, id, tenant)) {
      auto now = tx.exec("SELECT coalesce(email, ''), coalesce(name, '') FROM users "
                         "WHERE id = $1::uuid",
                         {id});
      events::write(
          tx, "user.updated", tenant,
          user_data(id, who.provider, db::text(now.front(), 0), db::text(now.front(), 1)));
    }
    if (mode.audit_login)
      audit::write(tx, from, tenant, id, "login.succeeded", id, identity_details(who));
    return {outcome::signed_in, id, tenant, {}};
  }
  if (!mode.create)
    return {outcome::unknown, {}, {}, "no user has this identity"};
  if (!who.email.empty()) {
    auto holder = tx.exec("SELECT id::text, status FROM users WHERE tenant_id = $1::uuid AND "
                          "email = $2",
                          {default_tenant, who.email});
    if (!holder.empty()) {
      // Only a provider trusted to verify addresses may vouch for an existing account: anyone
      // else could claim the victim's address at their provider (account takeover).
      if (!trust_email || !who.email_verified)
        return {outcome::conflict,
                {},
                {},
                "an account with this e-mail address exists; sign in to it and link " +
                    who.provider + " from there"};
      const auto id = db::text(holder.front(), 0);
      if (db::text(holder.front(), 1) != "active")
        return {outcome::disabled, id, default_tenant, "this account is disabled"};
      auto linked = link_to_user(tx, from, who, id, default_tenant);
      if (linked.result == outcome::linked && mode.audit_login)
        audit::write(tx, from, default_tenant, id, "login.succeeded", id, identity_details(who));
      return linked;
    }
  }
  const auto id = crypto::random_uuid();
  tx.exec("INSERT INTO users (id, tenant_id, email, name, password_hash) "
          "VALUES ($1::uuid, $2::uuid, $3, $4, '')",
          {id, default_tenant, verified_email(who),
           who.name.empty() ? db::param{} : db::param{who.name}});
  insert_identity(tx, who, id);
  events::write(tx, "user.created", default_tenant,
                user_data(id, who.provider, verified_email(who).value_or(""), who.name));
  audit::write(tx, from, default_tenant, id, "user.registered", id, identity_details(who));
  return {outcome::created, id, default_tenant, {}};
}

resolution link_to_user(db::transaction& tx, const audit::origin& from,
                        const provider_identity& who, const std::string& user_id,
                        const std::string& tenant_id) {
  lock_identity(tx, who);
  auto owner = tx.exec("SELECT user_id::text FROM user_identities WHERE provider = $1 AND "
                       "subject = $2",
                       {who.provider, who.subject});
  if (!owner.empty()) {
    if (db::text(owner.front(), 0) == user_id)
      return {outcome::linked, user_id, tenant_id, {}};
    return {
        outcome::conflict, {}, {}, "this " + who.provider + " identity belongs to another account"};
  }
  auto same_provider = tx.exec("SELECT 1 FROM user_identities WHERE user_id = $1::uuid AND "
                               "provider = $2",
                               {user_id, who.provider});
  if (!same_provider.empty())
    return {outcome::conflict,
            {},
            {},
            "another " + who.provider + " identity is linked to this account; unlink it first"};
  insert_identity(tx, who, user_id);
  auto details = identity_details(who);
  audit::write(tx, from, tenant_id, user_id, "identity.linked", user_id, details);
  events::write(tx, "user.updated", tenant_id, user_data(user_id, who.provider, {}, {}));
  return {outcome::linked, user_id, tenant_id, {}};
}

} // namespace

resolution resolve_sign_in(db::transaction& tx, const http_request& r, const provider_identity& who,
                           bool trust_email, const std::string& default_tenant, bool from_token) {
  const resolve_mode mode{!from_token, !from_token, true};
  return resolve_identity(tx, audit::origin_of(r), who, trust_email, default_tenant, mode);
}

resolution sync_identity(db::transaction& tx, const audit::origin& from,
                         const provider_identity& who, bool trust_email,
                         const std::string& default_tenant, bool create) {
  return resolve_identity(tx, from, who, trust_email, default_tenant, {false, true, create});
}

resolution link_identity(db::transaction& tx, const http_request& r, const provider_identity& who,
                         const std::string& user_id, const std::string& tenant_id) {
  return link_to_user(tx, audit::origin_of(r), who, user_id, tenant_id);
}

std::optional<identity_owner> find_identity(db::transaction& tx, const std::string& provider,
                                            const std::string& subject) {
  auto rows = tx.exec("SELECT u.id::text, u.tenant_id::text, u.status FROM user_identities i "
                      "JOIN users u ON u.id = i.user_id WHERE i.provider = $1 AND i.subject = $2 "
                      "FOR UPDATE OF u",
                      {provider, subject});
  if (rows.empty())
    return std::nullopt;
  return identity_owner{db::text(rows.front(), 0), db::text(rows.front(), 1),
                        db::text(rows.front(), 2)};
}

unlink_outcome unlink_identity(db::transaction& tx, const http_request& r,
                               const std::string& user_id, const std::string& tenant_id,
                               const std::string& provider) {
  auto user = tx.exec("SELECT password_hash <> '' FROM users WHERE id = $1::uuid AND "
                      "tenant_id = $2::uuid FOR UPDATE",
                      {user_id, tenant_id});
  if (user.empty())
    return unlink_outcome::not_found;
  auto linked = tx.exec("SELECT provider FROM user_identities WHERE user_id = $1::uuid", {user_id});
  bool has = false;
  for (const auto& row : linked)
    has |= db::text(row, 0) == provider;
  if (!has)
    return unlink_outcome::not_found;
  if (db::text(user.front(), 0) != "t" && linked.size() == 1)
    return unlink_outcome::last_way_in;
  tx.exec("DELETE FROM user_identities WHERE user_id = $1::uuid AND provider = $2",
          {user_id, provider});
  json::object details;
  details["provider"] = provider;
  audit::write(tx, r, tenant_id, user_id, "identity.unlinked", user_id, details);
  events::write(tx, "user.updated", tenant_id, user_data(user_id, provider, {}, {}));
  return unlink_outcome::done;
}

} // namespace gh::federation
