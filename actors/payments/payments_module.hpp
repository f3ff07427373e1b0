#pragma once

#include "actors/app.hpp"

/// Payments (API.md "Payments" and the admin plans and refunds): the user's plans, checkouts
/// (a checkout-flow actor each), portal, subscriptions and invoices; Stripe's signed webhooks
/// and the `stripe` worker that applies them; the scheduled reconcile; the operators' plans and
/// refunds.
namespace gh::payments {

/// Builds the Stripe client and its callers, spawns the payments actors, and registers their
/// routes, the checkout-flow kind, the `stripe` consumer, the reconcile schedule and the
/// pushed payment events. Throws `std::runtime_error` when `STRIPE_API_BASE` is unusable.
void install(app& a);

} // namespace gh::payments
