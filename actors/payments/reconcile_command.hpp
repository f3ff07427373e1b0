#pragma once

#include "actors/payments/reconcile.hpp"
#include "config/settings.hpp"
#include "persistence/service_endpoint.hpp"
#include "providers/stripe/client.hpp"

#include <string>
#include <string_view>

namespace gh::payments {

/// `gatehouse stripe reconcile [--days N]`: queues every Stripe event of the last N days
/// (default 3) that failed to reach Gatehouse, or that the payment workers apply, and was not
/// queued yet; prints `{listed, queued, refused, complete}`. Exit code: 0 complete, 1 Stripe or
/// PostgreSQL failed, 2 usage.
int reconcile_command(const config::settings& s, int argc, char** argv);

/// One reconcile pass over the last `days` days (1..30) with a PostgreSQL connection of its own
/// (waiting up to 10 s for it), as the command and the NATS verb run it. Blocking.
reconcile_report reconcile_days(stripe::client& client, const config::secret& database_url,
                                int days);

/// `{"listed", "queued", "refused", "complete"}`, and `"error"` when not complete.
std::string report_json(const reconcile_report& report);

/// The `gatehouse.ops.stripe.reconcile` verb: decodes `body` (`{"days": N}`, see
/// `ops_requests::decode_reconcile`) and answers `report_json`; 503 when payments are not
/// configured (`client` null or unusable), 502 with the report when the pass stopped midway.
/// Blocking (Stripe and PostgreSQL): a NATS delivery thread of its own calls it.
nats::endpoint_reply reconcile_verb(stripe::client* client, const config::secret& database_url,
                                    std::string_view body);

} // namespace gh::payments
