#pragma once

#include "actors/registry.hpp"
#include "actors/user_sinks.hpp"
#include "messages/user_key.hpp"
#include "persistence/sql.hpp"
#include "providers/stripe/callers.hpp"

#include <caf/actor.hpp>
#include <caf/local_actor.hpp>

#include <chrono>

namespace gh::payments {

/// The registry kind of checkout-flow actors.
inline constexpr std::string_view checkout_kind = "checkout_flow";

/// What checkout-flow actors share; every pointer outlives them.
struct checkout_options {
  db::database* db = nullptr;
  stripe::callers* stripe = nullptr;
  user_sinks* sinks = nullptr;
  std::chrono::milliseconds db_timeout{5000};
  std::chrono::milliseconds stripe_timeout{29000};
  /// After `expires_at` (plus this), an open checkout asks Stripe how it ended.
  std::chrono::seconds expiry_grace{5};
};

/// The actor that owns one checkout (`user_key{checkout_kind, user id, checkout id}`). It loads
/// its row, and only a row of its own user, from PostgreSQL when spawned, so it is found again
/// after a restart or an idle reap. An actor whose user has no such checkout answers what is
/// waiting and ends at once, so made-up ids cost no memory.
///
/// - `status_atom` -> `std::string`: `{checkout_id, status, plan_id, url, expires_at}` as JSON;
///   `not_found` when the user has no such checkout. An open checkout past its expiry asks
///   Stripe first and records how it ended.
/// - `(refresh_atom, std::string frame)`: the `payment.completed` event of this checkout
///   arrived: reload the row and push `frame` to the user's open WebSockets.
/// - `refresh_atom`: reload the row (its expiry timer sends this).
caf::actor spawn_checkout_flow(caf::local_actor* parent, const user_key& key,
                               const checkout_options& options);

/// The registry kind of checkout-flow actors, idle-reaped after `idle`.
user_actor_kind checkout_flow_kind(const checkout_options& options,
                                   std::chrono::milliseconds idle = std::chrono::minutes{10});

} // namespace gh::payments
