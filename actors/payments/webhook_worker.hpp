#pragma once

#include "actors/consumer.hpp"
#include "providers/stripe/client.hpp"

namespace gh::payments {

/// The `stripe` consumer of `stripe.webhook.>` on PAYMENTS: applies Stripe's events to the
/// payment tables, once per event (the worker's `processed_events`) and in a safe order:
///
/// - `checkout.session.completed` / `.expired`: the checkout moves from `open` once (a
///   completion also wins over an expiry Gatehouse noted itself) and `payment.completed` is
///   published for the user;
/// - `customer.subscription.created/updated/deleted`: the row keeps the state of the newest
///   event (Stripe's `created`); an older event is skipped, one of the same second is settled
///   by fetching the subscription from Stripe (`stripe` may be null: then the event applies);
///   each change publishes `subscription.updated`;
/// - `invoice.*` with an invoice object (`invoice.paid`, `invoice.payment_failed`, ...): the
///   same newest-wins rule per invoice;
/// - `charge.refunded`: the refunded amount per PaymentIntent only grows.
///
/// Events of users Gatehouse does not know (objects made outside it) are skipped; events whose
/// object is malformed are dead-lettered; other types are acknowledged and ignored.
events::consumer_spec stripe_consumer(stripe::client* stripe);

} // namespace gh::payments
