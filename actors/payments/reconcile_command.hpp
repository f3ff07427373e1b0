#pragma once

#include "config/settings.hpp"

namespace gh::payments {

/// `gatehouse stripe reconcile [--days N]`: queues every Stripe event of the last N days
/// (default 3) that failed to reach Gatehouse, or that the payment workers apply, and was not
/// queued yet; prints `{listed, queued, refused, complete}`. Exit code: 0 complete, 1 Stripe or
/// PostgreSQL failed, 2 usage.
int reconcile_command(const config::settings& s, int argc, char** argv);

} // namespace gh::payments
