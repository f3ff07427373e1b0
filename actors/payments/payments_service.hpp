#pragma once

#include "messages/http.hpp"
#include "persistence/sql.hpp"
#include "providers/stripe/callers.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gh::payments {

/// What the payments actor works with; every pointer outlives the actor.
struct payments_options {
  db::database* db = nullptr;
  stripe::callers* stripe = nullptr;
  /// The registry of per-user actors, where checkout-flow actors live.
  caf::actor registry;
  /// `GATEHOUSE_PUBLIC_URL` without a trailing '/': the default return pages.
  std::string public_url;
  /// Where Stripe may send a user back to: our origin and `GATEHOUSE_ALLOWED_REDIRECTS`.
  std::vector<std::string> redirect_origins;
  std::chrono::milliseconds db_timeout{5000};
  /// A Stripe call including its retries: answered before the gateway's 30 s handler timeout.
  std::chrono::milliseconds stripe_timeout{29000};
  /// Checkouts a user may start per hour.
  int64_t checkouts_per_hour = 20;
  /// Requests that may call Stripe (checkout, portal, cancel) per user and minute.
  int64_t stripe_calls_per_minute = 30;
};

/// The user side of payments (API.md "Payments"): plans, checkouts (each followed by its
/// checkout-flow actor), the Billing Portal, subscriptions and invoices, always the caller's
/// own; another user's object is 404. Without a Stripe client every route answers 503
/// `not-configured`.
http_handler_actor spawn_payments(caf::actor_system& sys, payments_options options);

/// One route of the payments actor; all need a signed-in user.
struct route_entry {
  const char* method;
  const char* pattern;
  body_kind body;
};

/// The routes the payments actor serves.
const std::vector<route_entry>& routes();

} // namespace gh::payments
