#pragma once

#include "messages/http.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Decoders of the payment API's untrusted bodies: plain functions, so unit tests and the fuzz
/// target drive them without CAF. Unknown fields are refused and every problem is named.
namespace gh::payments {

using field_errors = std::vector<field_error>;

template <class T>
using decoded = std::variant<T, field_errors>;

/// `{name, amount, currency, interval}` of `POST /api/v1/admin/plans`.
struct new_plan {
  std::string name;     ///< 1–200 characters, not blank
  int64_t amount = 0;   ///< in the currency's smallest unit, 0–99,999,999 (Stripe's bound)
  std::string currency; ///< ISO 4217, lower-cased
  std::string interval; ///< day, week, month or year
};
decoded<new_plan> decode_new_plan(std::string_view body);

/// `{amount?}` of `POST /api/v1/admin/payments/{id}/refund`; no amount refunds the rest.
struct refund_request {
  std::optional<int64_t> amount; ///< positive
};
decoded<refund_request> decode_refund(std::string_view body);

/// The origins (as `decode::origin_of` writes them) a user's browser may be sent back to from
/// Stripe: Gatehouse's own (`GATEHOUSE_PUBLIC_URL`) and `GATEHOUSE_ALLOWED_REDIRECTS`.
using redirect_origins = std::vector<std::string>;

/// `{plan_id, success_url?, cancel_url?}` of `POST /api/v1/plans/checkout`.
struct checkout_request {
  std::string plan_id;
  std::string success_url; ///< empty: Gatehouse's own page
  std::string cancel_url;
};

/// Decodes a checkout request; each URL must be a redirect URL of one of `allowed`.
decoded<checkout_request> decode_checkout(std::string_view body, const redirect_origins& allowed);

/// `{return_url?}` of `POST /api/v1/billing/portal`.
struct portal_request {
  std::string return_url;
};

/// Decodes a portal request; the URL must be a redirect URL of one of `allowed`.
decoded<portal_request> decode_portal(std::string_view body, const redirect_origins& allowed);

/// `{at_period_end?}` of `POST /api/v1/subscriptions/{id}/cancel`.
struct cancel_request {
  bool at_period_end = true;
};
decoded<cancel_request> decode_cancel(std::string_view body);

/// True for an absolute http(s) URL of at most 2,048 bytes with a host and no credentials or
/// control characters: what Stripe may redirect a user's browser to.
bool is_redirect_url(std::string_view url);

/// True for a Stripe PaymentIntent id (`pi_...`).
bool is_payment_intent_id(std::string_view id) noexcept;

} // namespace gh::payments
