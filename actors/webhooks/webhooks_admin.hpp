#pragma once

#include "actors/api_keys.hpp"
#include "actors/webhooks/webhook_url.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gh::webhooks {

/// What the webhook admin actor works with; every pointer outlives the actor.
struct webhooks_admin_options {
  db::database* db = nullptr;
  /// Checks the presented key and the route's scope.
  api_keys::checker keys{{}};
  url_policy policy;
  std::string seal_key; ///< seals the endpoints' secrets (`crypto::seal`)
  std::chrono::milliseconds db_timeout{5000};
  /// How long a replaced secret keeps signing.
  std::chrono::hours previous_secret_ttl{24};
  /// The tenant endpoints are registered in.
  std::string tenant_id = "00000000-0000-0000-0000-000000000001";
};

/// The operators' webhook API (`Authorization: ApiKey <key>`, API.md "Outbound webhooks"):
/// endpoints (their URLs checked and resolved, every address refused that the policy does not
/// allow), secrets shown once and rotated, deliveries listed and retried. A detached actor: the
/// URL check looks names up. Every change writes its `audit_log` row in the same transaction.
http_handler_actor spawn_webhooks_admin(caf::actor_system& sys, webhooks_admin_options options);

/// The routes the webhook admin actor serves and the scope each needs.
const std::vector<api_keys::key_route>& admin_routes();

} // namespace gh::webhooks
