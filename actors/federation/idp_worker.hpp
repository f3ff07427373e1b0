#pragma once

#include "actors/consumer.hpp"
#include "actors/profile_cache.hpp"
#include "actors/revocations.hpp"
#include "persistence/cache.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gh::federation {

/// A provider whose webhook events the worker applies, and whether its verified e-mail
/// addresses may link existing accounts (`OIDC_<NAME>_TRUST_EMAIL`).
struct idp_worker_provider {
  std::string name;
  bool trust_email = false;
};

/// What the worker needs; every pointer outlives it.
struct idp_worker_options {
  std::vector<idp_worker_provider> providers;
  std::string default_tenant = "00000000-0000-0000-0000-000000000001";
  caf::actor_system* sys = nullptr;
  redis::redis_actor redis;
  revocation_list* revoked = nullptr;
  /// The `/users/me` bodies the gateway answers from: a changed user's is dropped.
  profile_cache* profiles = nullptr;
  /// How long an access token lives: a revocation lasts as long.
  std::chrono::seconds access_ttl{900};
};

/// The `idp` consumer of `idp.webhook.>` on IDP: applies each provider event once (the
/// worker's `processed_events`, keyed by the envelope id the receiver derived from the
/// provider's event id):
///
/// - `user.created` / `user.updated`: the rules of a sign-in (`sync_identity`): a known
///   identity's claims refreshed; for `user.created` of an unknown identity, a verified e-mail
///   of an existing account links it only when the provider is trusted, an untrusted claim of
///   an existing address is skipped (logged), else a new user without password
///   (`user.created` with `provider`);
/// - `user.disabled`: the linked user disabled, every session ended and their access tokens
///   revoked at once, `user.disabled` published;
/// - `user.deleted`: the linked user deleted as an account deletion does (`user.deleted`).
///
/// Any event of an identity no user has (other than `user.created`) is acknowledged and
/// ignored; an envelope that is not a provider event is dead-lettered.
events::consumer_spec idp_consumer(idp_worker_options options);

} // namespace gh::federation
