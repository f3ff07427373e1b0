#pragma once

#include "actors/audit.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <optional>
#include <string>

/// Who a provider identity is here (API.md "Federation", just-in-time users and linking): the
/// SQL of sign-in, link and unlink, each run inside the caller's transaction.
namespace gh::federation {

/// A person as a provider vouched for them (verified ID token or provider access token).
struct provider_identity {
  std::string provider;
  std::string subject;
  std::string email; ///< Lower-cased; empty when the provider sent none.
  bool email_verified = false;
  std::string name;
};

enum class outcome {
  signed_in, ///< A known identity: its user.
  created,   ///< A new user made just in time, with `user.created`.
  linked,    ///< Linked to an existing user (by a trusted verified e-mail, or by `link`).
  conflict,  ///< The e-mail belongs to another account and may not link it, or the identity
             ///< or provider is linked elsewhere.
  disabled,  ///< The user exists and is disabled.
  unknown,   ///< No user has the identity and none was made (`sync_identity` without `create`).
};

struct resolution {
  outcome result = outcome::conflict;
  std::string user_id;
  std::string tenant_id;
  std::string detail; ///< Why, for a conflict; safe to show.
};

/// Finds or makes the user of `who` for a sign-in: its linked user (name and a verified e-mail
/// refreshed from the claims, `user.updated` when they changed); else, with a verified e-mail
/// of an existing account and `trust_email`, that account; an existing account of the e-mail
/// otherwise is a conflict; else a new user without password in `default_tenant`.
/// `from_token`: the identity comes from a provider token presented as bearer, not a sign-in:
/// the mapping and the just-in-time user are the same, but no sign-in is audited and the claims
/// (an access token often has none) do not overwrite the stored ones.
resolution resolve_sign_in(db::transaction& tx, const http_request& r, const provider_identity& who,
                           bool trust_email, const std::string& default_tenant,
                           bool from_token = false);

/// Applies what a provider says about `who` in a webhook (`user.created`, `user.updated`) with
/// the rules of a sign-in, audited as coming `from` the webhook and without a login: its linked
/// user's claims refreshed; else, with `create`, the same linking (a conflict when the e-mail
/// belongs to an account it may not link) or a new user; else `unknown`.
resolution sync_identity(db::transaction& tx, const audit::origin& from,
                         const provider_identity& who, bool trust_email,
                         const std::string& default_tenant, bool create);

/// The user a provider identity is linked to.
struct identity_owner {
  std::string user_id;
  std::string tenant_id;
  std::string status; ///< `active` or `disabled`
};

/// The user linked to (`provider`, `subject`), locked until `tx` ends; nothing when none is.
std::optional<identity_owner> find_identity(db::transaction& tx, const std::string& provider,
                                            const std::string& subject);

/// Links `who` to the signed-in `user_id`: a conflict when that identity belongs to someone else
/// or the user has another identity at the same provider.
resolution link_identity(db::transaction& tx, const http_request& r, const provider_identity& who,
                         const std::string& user_id, const std::string& tenant_id);

enum class unlink_outcome { done, not_found, last_way_in };

/// Removes the user's identity at `provider`, unless it is their last way to sign in (no
/// password and no other identity).
unlink_outcome unlink_identity(db::transaction& tx, const http_request& r,
                               const std::string& user_id, const std::string& tenant_id,
                               const std::string& provider);

} // namespace gh::federation
