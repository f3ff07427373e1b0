#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::test {

/// A Stripe API for tests on 127.0.0.1 speaking Stripe's wire format: form-encoded requests with
/// bracketed keys, `Authorization: Bearer <secret key>`, `Idempotency-Key` replay, Stripe-shaped
/// JSON objects and error objects. It records every request it receives.
///
/// It serves customers, products, prices, Checkout and billing-portal sessions, subscriptions,
/// invoices, refunds and the event list, one thread per connection (HTTP/1.1 keep-alive). State
/// lives in memory only; the destructor cuts off open connections and joins every thread.
class fake_stripe {
public:
  /// One request as received, with what it was answered.
  struct request {
    std::string method;
    std::string path;                                         ///< without the query
    std::string query;                                        ///< raw, without '?'
    std::vector<std::pair<std::string, std::string>> headers; ///< names in lower case
    /// Decoded body pairs, in order (GET: the query's pairs).
    std::vector<std::pair<std::string, std::string>> form;
    boost::json::object params; ///< `form` nested the way Stripe nests it (see below)
    int status = 0;             ///< what was answered
    std::string header(std::string_view name) const; ///< first header `name` or ""
  };

  explicit fake_stripe(std::string secret_key = "sk_test_gatehouse");
  ~fake_stripe();
  fake_stripe(const fake_stripe&) = delete;
  fake_stripe& operator=(const fake_stripe&) = delete;

  uint16_t port() const noexcept;
  std::string base_url() const; ///< "http://127.0.0.1:<port>"
  const std::string& secret_key() const noexcept;

  std::vector<request> requests() const;
  /// Requests with this method whose path starts with `prefix`.
  std::vector<request> requests_to(std::string_view method, std::string_view prefix) const;

  /// The next `n` API requests are answered `status` with a Stripe error object
  /// (500 -> type "api_error"; 429 -> type "rate_limit_error", code "rate_limit"), before any
  /// other processing (they are recorded, and they do not store idempotency results).
  void fail_next(int n, int status = 500);

  /// Stored objects by id (customers, products, prices, checkout sessions, subscriptions,
  /// invoices, refunds, events); empty object when unknown.
  boost::json::object object(const std::string& id) const;
  /// Replaces (or adds) a stored object; its "id" field names it.
  void put_object(boost::json::object o);

  /// Completes checkout session `session_id` as a paying customer would: creates an active
  /// subscription `sub_...` for the session's customer with `items.data[0].price` = the
  /// session's price object (id, product, unit_amount, currency, recurring.interval),
  /// `metadata` = the session's `subscription_data[metadata]`, `current_period_start` = now,
  /// `current_period_end` = now + 30 days, `cancel_at_period_end` false, `created` = now; sets
  /// the session's `status` "complete", `payment_status` "paid", `subscription` = the new id.
  /// Also creates a paid invoice `in_...` for it (customer, subscription, amount_due =
  /// amount_paid = unit_amount, currency, status "paid", hosted_invoice_url
  /// "https://invoice.stripe.com/i/<id>", created now, payment_intent "pi_..."). Returns the
  /// updated session.
  boost::json::object complete_checkout(const std::string& session_id);

  /// Builds an event object `{"id": "evt_...", "object": "event", "api_version": "2024-06-20",
  /// "created": created (or now when 0), "type": type, "livemode": false,
  /// "pending_webhooks": 1, "data": {"object": object}}`, stores it for GET /v1/events with
  /// the given delivery outcome, and returns it.
  boost::json::object add_event(const std::string& type, boost::json::object object,
                                bool delivery_success = true, int64_t created = 0);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  uint16_t port_ = 0;
};

/// Pays Checkout Session `session_id` at `stripe` (`complete_checkout`) and posts the events
/// Stripe would send, `checkout.session.completed` and `customer.subscription.created`, signed
/// with `webhook_secret`, to `/webhooks/stripe` of the Gatehouse on 127.0.0.1:`port`. Empty
/// when both were accepted, otherwise why not.
std::string pay_checkout(fake_stripe& stripe, uint16_t port, const std::string& webhook_secret,
                         const std::string& session_id);
/// Now in Unix seconds (Stripe's `created` and signature times).
inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The `Stripe-Signature` header Stripe sends for `payload` at Unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`.
std::string stripe_signature_header(const std::string& secret, int64_t t,
                                    const std::string& payload);

} // namespace gh::test
