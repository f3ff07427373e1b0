#pragma once

#include "actors/app.hpp"

namespace gh::payments {

/// Registers the payment commands, answered by the payments actor's routes: `/plans`,
/// `/checkout <plan>` (a plan id or a plan's name; the result carries Stripe's `url`) and
/// `/subscriptions`.
void add_commands(app& a, const http_handler_actor& payments);

} // namespace gh::payments
