#pragma once

#include "actors/external_tokens.hpp"
#include "actors/profile_cache.hpp"
#include "actors/sign_in.hpp"
#include "messages/http.hpp"
#include "persistence/cache.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace gh::oidc {
class provider_keys;
} // namespace gh::oidc

namespace gh::jwt {
class key_ring;
} // namespace gh::jwt

namespace gh::federation {

/// One configured provider as the service uses it.
struct provider_entry {
  std::string name;
  bool trust_email = false;
  std::string scopes;
  std::shared_ptr<oidc::provider_keys> keys;
  bool accept_access_tokens = false; ///< `OIDC_<NAME>_ACCEPT_TOKENS` has `access`
  bool accept_id_tokens = false;     ///< … has `id`
};

struct federation_options {
  db::database* db = nullptr;
  redis::redis_actor redis;
  const jwt::key_ring* keys = nullptr;
  std::vector<provider_entry> providers;
  /// Our own origin and `GATEHOUSE_ALLOWED_REDIRECTS`.
  std::vector<std::string> redirect_origins;
  std::string public_base; ///< `GATEHOUSE_PUBLIC_URL` without a trailing '/'.
  sign_in::cookie_policy cookies;
  /// Where resolved provider tokens are remembered for the gateway.
  external_tokens* external = nullptr;
  /// The `/users/me` bodies the gateway answers from: dropped when identities change.
  profile_cache* profiles = nullptr;
  std::string default_tenant = "00000000-0000-0000-0000-000000000001";
  /// Detached actors that make the blocking provider calls (token endpoint, JWKS).
  unsigned callers = 4;
  std::chrono::milliseconds provider_timeout{10000};
  std::chrono::milliseconds db_timeout{5000};
};

/// Spawns the actor behind the login, callback and unlink routes; it is also the resolver of
/// providers' bearer tokens (`external_tokens`): cast the handle to `token_resolver_actor`.
http_handler_actor spawn_federation(caf::actor_system& sys, federation_options options);

struct federation_route {
  const char* method;
  const char* pattern;
  body_kind body;
  auth_policy auth;
};

const std::vector<federation_route>& routes();

} // namespace gh::federation
