#pragma once

#include "actors/api_keys.hpp"
#include "actors/revocations.hpp"
#include "messages/http.hpp"
#include "persistence/cache.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gh::admin {

/// What the admin actor works with; every pointer outlives the actor.
struct admin_options {
  db::database* db = nullptr;
  redis::redis_actor redis;
  /// Checks the presented key and the route's scope.
  api_keys::checker keys{{}};
  /// Where disabling a user publishes the user's sessions, so their access tokens stop at once.
  revocation_list* revoked = nullptr;
  /// How long an access token lives: how long a disabled user's sessions stay on the list.
  std::chrono::seconds access_ttl{15 * 60};
  std::chrono::milliseconds db_timeout{5000};
  /// Unix seconds; injectable for tests.
  std::function<int64_t()> now;
};

/// The admin API of accounts (`Authorization: ApiKey <key>`): API keys (shown once, stored
/// hashed), user search, disabling and enabling users, and the audit log. Every request's key
/// must carry the route's scope; every change writes its `audit_log` row in the same
/// transaction.
http_handler_actor spawn_admin(caf::actor_system& sys, admin_options options);

/// The routes the admin actor serves and the scope each needs. All use the gateway's
/// "optional" auth policy, which hands the actor the presented key; the actor answers 401
/// itself when there is none.
const std::vector<api_keys::key_route>& routes();

} // namespace gh::admin
