#pragma once

#include "actors/api_keys.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"
#include "providers/stripe/callers.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gh::payments {

/// What the payments admin actor works with; every pointer outlives the actor.
struct payments_admin_options {
  db::database* db = nullptr;
  /// Checks the presented key and the route's scope.
  api_keys::checker keys{{}};
  /// Stripe (not configured: plans and refunds answer 503).
  stripe::callers* stripe = nullptr;
  std::chrono::milliseconds stripe_timeout{29000};
  std::chrono::milliseconds db_timeout{5000};
  /// The tenant plans are created in.
  std::string tenant_id = "00000000-0000-0000-0000-000000000001";
};

/// The operators' side of payments (`Authorization: ApiKey <key>`): plans (created and
/// archived in Stripe first, then stored) and refunds. Every change writes its `audit_log` row
/// in the same transaction.
http_handler_actor spawn_payments_admin(caf::actor_system& sys, payments_admin_options options);

/// The routes the payments admin actor serves and the scope each needs.
const std::vector<api_keys::key_route>& admin_routes();

} // namespace gh::payments
