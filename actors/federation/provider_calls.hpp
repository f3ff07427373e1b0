#pragma once

#include "actors/federation/accounts.hpp"
#include "actors/federation/federation_service.hpp"
#include "actors/federation/login_state.hpp"
#include "messages/gh_errc.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// The federation actor's blocking provider calls, run on its detached callers: a sign-in's
/// code exchange and ID token, and a provider token presented as bearer. Internal to the
/// federation module.
namespace gh::federation {

/// What the provider said about the person, once its code was exchanged and its ID token
/// verified; or the problem that answers the callback.
struct exchange_result {
  std::optional<provider_identity> who;
  gh_errc error = gh_errc::ok;
  const char* field = "code";
  std::string message;
};

/// Exchanges the callback's code (with the record's PKCE verifier) and checks the ID token
/// (signature, claims, the record's nonce).
exchange_result exchange(const provider_entry& p, const std::string& redirect_uri,
                         const callback_query& q, const login_record& rec);

/// A provider token checked off the actor's thread: who it vouches for, or why not.
struct token_check {
  std::optional<provider_identity> who;
  int64_t exp = 0;
  bool unavailable = false;
  std::string reason;
};

/// The configured provider whose issuer `token` names and that accepts tokens (unverified: only
/// to pick the keys), or null.
const provider_entry* provider_of_token(const federation_options& opt, std::string_view token);

/// Verifies `token` with `p`'s keys and checks its claims as an access or an ID token, as `p`
/// accepts them.
token_check check_token(const provider_entry& p, const std::string& token);

} // namespace gh::federation
