#pragma once

#include "persistence/sql.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Stripe's objects as Gatehouse reads them: events (from webhooks and from `GET /v1/events`)
/// and the objects their `data.object` carries. Every decoder takes bytes an outsider chose:
/// it checks types and sizes and never throws.
namespace gh::payments {

/// A problem with one field of a Stripe object.
struct object_error {
  std::string field;
  std::string message;
};

/// True for `evt_` followed by 1..251 ASCII letters, digits and underscores.
bool is_event_id(std::string_view id) noexcept;

/// True for Stripe's dot-separated lower-case event types (`checkout.session.completed`).
bool is_event_type(std::string_view type) noexcept;

/// True for a Stripe object id: a lower-case prefix, `_`, then letters, digits and `_`, at most
/// 255 characters (`sub_1P...`, `cs_test_a1...`).
bool is_object_id(std::string_view id, std::string_view prefix) noexcept;

/// The UUID Gatehouse gives Stripe's event `stripe_event_id`: name-based (SHA-256, RFC 9562
/// version 8), the same for every delivery of that event.
std::string stripe_event_uuid(std::string_view stripe_event_id);

/// The UUID Gatehouse gives the Stripe subscription `stripe_subscription_id`, so every process
/// and every event names it alike.
std::string subscription_uuid(std::string_view stripe_subscription_id);

/// The UUID Gatehouse gives the Stripe invoice `stripe_invoice_id`.
std::string invoice_uuid(std::string_view stripe_invoice_id);

/// Checks the envelope of a Stripe event (`object`, `id`, `type`, `created`); the errors, empty
/// when it is one.
std::vector<object_error> check_event(const boost::json::object& event);

/// Queues the checked `event` as the outbox row `stripe.webhook.<type>` of `tenant` inside `tx`,
/// once per Stripe event id: true when written now, false when it was queued before. The one
/// way into the payment workers, for webhooks and for the reconcile job alike.
bool queue_event(db::transaction& tx, const std::string& tenant, boost::json::object event);

/// A Checkout Session.
struct checkout_session {
  std::string id;
  std::string status; ///< open, complete, expired
  std::string customer;
  std::string subscription;
  std::string client_reference_id;
  std::string checkout_id; ///< `metadata.checkout_id`, set by Gatehouse
  std::string url;
  int64_t expires_at = 0;
};

/// A subscription.
struct subscription {
  std::string id;
  std::string customer;
  std::string status;
  std::string price_id; ///< of the first item
  std::string user_id;  ///< `metadata.user_id`, set by Gatehouse
  int64_t current_period_end = 0;
  bool cancel_at_period_end = false;
};

/// An invoice.
struct invoice {
  std::string id;
  std::string customer;
  std::string subscription;
  std::string payment_intent;
  int64_t amount_due = 0;
  int64_t amount_paid = 0;
  std::string currency;
  std::string status;
  std::string hosted_invoice_url;
  int64_t created = 0;
};

/// A charge, for its refunds.
struct charge {
  std::string id;
  std::string payment_intent;
  int64_t amount_refunded = 0;
};

using decoded_session = std::variant<checkout_session, object_error>;
using decoded_subscription = std::variant<subscription, object_error>;
using decoded_invoice = std::variant<invoice, object_error>;
using decoded_charge = std::variant<charge, object_error>;

decoded_session decode_checkout_session(const boost::json::object& o);
decoded_subscription decode_subscription(const boost::json::object& o);
decoded_invoice decode_invoice(const boost::json::object& o);
decoded_charge decode_charge(const boost::json::object& o);

} // namespace gh::payments
