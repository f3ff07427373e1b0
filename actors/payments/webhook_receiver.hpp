#pragma once

#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gh::payments {

/// What the Stripe webhook receiver needs; `db` outlives the actor.
struct stripe_webhook_options {
  db::database* db = nullptr;
  std::vector<std::string> secrets; ///< `STRIPE_WEBHOOK_SECRET` (several during a rotation).
  std::string tenant_id = "00000000-0000-0000-0000-000000000001";
  std::chrono::milliseconds db_timeout{5000};
};

/// Serves `POST /webhooks/stripe` (API.md "Payments"): checks `Stripe-Signature` over the raw
/// body, then queues the event durably as an outbox row `stripe.webhook.<type>` whose id is
/// derived from Stripe's event id, so a redelivered event is acknowledged and not queued twice,
/// and answers 200. 400 `invalid-signature` when the check fails, 400 `validation` when the
/// signed body is not a Stripe event, 503 `not-configured` without a secret.
http_handler_actor spawn_stripe_webhooks(caf::actor_system& sys, stripe_webhook_options options);

} // namespace gh::payments
