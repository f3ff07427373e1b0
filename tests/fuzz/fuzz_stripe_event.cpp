// A signed webhook's body, an event Stripe lists for reconcile and the payment API's request
// bodies are all bytes from outside: decoding them never crashes, and whatever a decoder accepts
// holds the ids and values the payment tables rely on.
#include "actors/payments/requests.hpp"
#include "actors/payments/stripe_events.hpp"
#include "messages/decode.hpp"
#include "messages/json.hpp"

#include <algorithm>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void require(bool holds) {
  if (!holds)
    std::abort();
}

void decode_all(const boost::json::object& o) {
  using namespace gh::payments;
  if (auto s = decode_subscription(o); std::holds_alternative<subscription>(s)) {
    const auto& v = std::get<subscription>(s);
    require(is_object_id(v.id, "sub") && is_object_id(v.customer, "cus"));
    require(!v.status.empty() && v.status.size() <= 40 && v.current_period_end >= 0);
  }
  if (auto i = decode_invoice(o); std::holds_alternative<invoice>(i)) {
    const auto& v = std::get<invoice>(i);
    require(is_object_id(v.id, "in") && v.amount_due >= 0 && v.amount_paid >= 0);
    require(v.currency.size() == 3 && v.created > 0);
  }
  if (auto c = decode_checkout_session(o); std::holds_alternative<checkout_session>(c)) {
    const auto& v = std::get<checkout_session>(c);
    require(is_object_id(v.id, "cs"));
    require(v.status == "open" || v.status == "complete" || v.status == "expired");
  }
  if (auto c = decode_charge(o); std::holds_alternative<charge>(c))
    require(std::get<charge>(c).amount_refunded >= 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  auto parsed = gh::parse_untrusted_json(input, gh::json_limits{512 * 1024, 64});
  if (auto* value = std::get_if<boost::json::value>(&parsed);
      value != nullptr && value->is_object()) {
    const auto& event = value->get_object();
    (void)gh::payments::check_event(event);
    decode_all(event);
    if (const auto* d = event.if_contains("data"); d != nullptr && d->is_object())
      if (const auto* o = d->get_object().if_contains("object"); o != nullptr && o->is_object())
        decode_all(o->get_object());
  }
  (void)gh::payments::decode_new_plan(input);
  (void)gh::payments::decode_refund(input);
  (void)gh::payments::decode_cancel(input);
  // An accepted redirect URL is a web URL of an allowed origin, and nothing else.
  static const gh::payments::redirect_origins allowed{"http://127.0.0.1:8080",
                                                      "https://app.example.com"};
  const auto allowed_url = [](const std::string& url) {
    if (url.empty())
      return true;
    const auto origin = gh::decode::origin_of(url);
    return gh::payments::is_redirect_url(url) && origin &&
           std::find(allowed.begin(), allowed.end(), *origin) != allowed.end();
  };
  if (auto p = gh::payments::decode_portal(input, allowed);
      std::holds_alternative<gh::payments::portal_request>(p))
    require(allowed_url(std::get<gh::payments::portal_request>(p).return_url));
  if (auto c = gh::payments::decode_checkout(input, allowed);
      std::holds_alternative<gh::payments::checkout_request>(c)) {
    const auto& v = std::get<gh::payments::checkout_request>(c);
    require(allowed_url(v.success_url) && allowed_url(v.cancel_url));
  }
  (void)gh::decode::origin_of(input);
  return 0;
}
