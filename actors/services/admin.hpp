#pragma once

#include "actors/identity/revocations.hpp"
#include "messages/http.hpp"
#include "persistence/cache.hpp"
#include "persistence/sql.hpp"
#include "providers/stripe/callers.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gh {

/// What the admin actor works with; every pointer outlives the actor.
struct admin_options {
  db::database* db = nullptr;
  redis::redis_actor redis;
  /// Where disabling a user publishes the user's sessions, so their access tokens stop at once.
  revocation_list* revoked = nullptr;
  /// `GATEHOUSE_BOOTSTRAP_ADMIN_KEY`: accepted, with every scope, only while no live key
  /// exists; empty when unset.
  std::string bootstrap_key;
  /// How long an access token lives: how long a disabled user's sessions stay on the list.
  std::chrono::seconds access_ttl{15 * 60};
  std::chrono::milliseconds db_timeout{5000};
  /// Wrong keys per client address and window before the address gets 429 for the window.
  int64_t failed_keys_per_ip = 20;
  std::chrono::seconds window{60};
  /// Stripe, for plans and refunds (not configured: those routes answer 503).
  stripe::callers* stripe = nullptr;
  std::chrono::milliseconds stripe_timeout{29000};
  /// The tenant plans are created in.
  std::string tenant_id = "00000000-0000-0000-0000-000000000001";
  /// Unix seconds; injectable for tests.
  std::function<int64_t()> now;
};

/// The admin API (`Authorization: ApiKey <key>`): API keys, users, the audit log, plans
/// (created and archived in Stripe first, then stored) and refunds. Every
/// request's key is looked up by its SHA-256 in PostgreSQL (off the io threads) and must carry
/// the route's scope; wrong keys are counted per address in Redis; every change writes its
/// `audit_log` row in the same transaction.
http_handler_actor spawn_admin(caf::actor_system& sys, admin_options options);

/// The routes the admin actor serves, as (method, pattern, needs a JSON body, scope the key
/// needs). All use the gateway's "optional" auth policy, which hands the actor the presented
/// key; the actor answers 401 itself when there is none.
struct admin_route {
  const char* method;
  const char* pattern;
  bool json_body;
  const char* scope;
};
const std::vector<admin_route>& admin_routes();

} // namespace gh
