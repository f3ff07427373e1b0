#pragma once

#include "actors/app.hpp"
#include "config/secret.hpp"
#include "providers/stripe/client.hpp"

#include <pqxx/connection>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace gh::payments {

/// What one reconcile pass did.
struct reconcile_report {
  std::size_t listed = 0;  ///< events Stripe listed
  std::size_t queued = 0;  ///< of them, queued now (the rest had been queued before)
  std::size_t refused = 0; ///< listed objects that are not Stripe events
  bool complete = true;    ///< false when Stripe or PostgreSQL failed midway
  std::string error;       ///< why not complete
};

/// The event types the payment workers apply, which reconcile lists besides failed deliveries.
const std::vector<std::string>& applied_event_types();

/// Lists Stripe's events whose webhook delivery failed (`delivery_success=false`) and every
/// event of `applied_event_types()` created in the last `lookback`, and queues each one not
/// queued before through the same outbox rows webhooks make, so the same workers apply it.
/// At most `max_events` are listed per pass. Blocking: call it from a thread that may block.
reconcile_report reconcile(stripe::client& stripe, pqxx::connection& db, const std::string& tenant,
                           std::chrono::seconds lookback, std::size_t max_events = 10000);

/// What the scheduled reconcile job needs; `stripe` outlives the actor.
struct reconcile_options {
  config::secret database_url;
  stripe::client* stripe = nullptr;
  std::string tenant = "00000000-0000-0000-0000-000000000001";
  std::chrono::seconds interval{15 * 60};
  /// How far back each scheduled pass looks; longer than `interval`, so passes overlap.
  std::chrono::seconds lookback{2 * 60 * 60};
};

/// The schedule that runs `reconcile` every `interval` (the first pass one interval after
/// start). Every process may run it: an event is queued once whoever finds it.
schedule_spec reconcile_schedule(reconcile_options options);

} // namespace gh::payments
