#include "actors/payments/requests.hpp"

#include "actors/payments/stripe_events.hpp"
#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace gh::payments {

namespace json = boost::json;

namespace {

constexpr int64_t max_amount = 99'999'999;

/// An empty body means `{}` for the requests whose fields are all optional.
std::variant<json::object, field_errors>
optional_object(std::string_view body, std::initializer_list<std::string_view> allowed) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return json::object{};
  return decode::object_of(body, allowed);
}

/// Reads the optional URL field `name` into `out`: a redirect URL of an allowed origin.
void url_field(const json::object& o, std::string_view name, const redirect_origins& allowed,
               std::string& out, field_errors& errors) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null())
    return;
  if (!v->is_string() || !is_redirect_url(v->get_string())) {
    errors.push_back({std::string{name}, "must be an absolute http(s) URL of at most 2048 bytes"});
    return;
  }
  const auto origin = decode::origin_of(v->get_string());
  if (!origin || std::find(allowed.begin(), allowed.end(), *origin) == allowed.end()) {
    errors.push_back({std::string{name}, "must point at this service's origin or at an origin "
                                         "listed in GATEHOUSE_ALLOWED_REDIRECTS"});
    return;
  }
  out = std::string{v->get_string()};
}

} // namespace

bool is_redirect_url(std::string_view url) {
  if (url.size() > 2048 || std::any_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      }))
    return false;
  return decode::origin_of(url).has_value();
}

bool is_payment_intent_id(std::string_view id) noexcept {
  return is_object_id(id, "pi");
}

decoded<new_plan> decode_new_plan(std::string_view body) {
  auto parsed = decode::object_of(body, {"name", "amount", "currency", "interval"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  new_plan p;
  const auto* name = o.if_contains("name");
  if (name == nullptr || !name->is_string()) {
    errors.push_back({"name", "is required and must be a string"});
  } else if (auto problem = decode::text_problem(name->get_string(), 200)) {
    errors.push_back({"name", *problem});
  } else if (name->get_string().find_first_not_of(' ') == std::string_view::npos) {
    errors.push_back({"name", "must not be blank"});
  } else {
    p.name = std::string{name->get_string()};
  }
  const auto* amount = o.if_contains("amount");
  if (amount == nullptr || !(amount->is_int64() || amount->is_uint64()) ||
      (amount->is_int64() && (amount->get_int64() < 0 || amount->get_int64() > max_amount)) ||
      (amount->is_uint64() && amount->get_uint64() > static_cast<uint64_t>(max_amount)))
    errors.push_back({"amount", "is required: an integer from 0 to 99999999 (smallest unit)"});
  else
    p.amount =
        amount->is_int64() ? amount->get_int64() : static_cast<int64_t>(amount->get_uint64());
  const auto* currency = o.if_contains("currency");
  if (currency == nullptr || !currency->is_string() || currency->get_string().size() != 3 ||
      !std::all_of(currency->get_string().begin(), currency->get_string().end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); })) {
    errors.push_back({"currency", "is required: a three-letter ISO 4217 code"});
  } else {
    for (const char c : currency->get_string())
      p.currency.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  const auto* interval = o.if_contains("interval");
  static constexpr std::string_view intervals[] = {"day", "week", "month", "year"};
  if (interval == nullptr || !interval->is_string() ||
      std::find(std::begin(intervals), std::end(intervals), interval->get_string()) ==
          std::end(intervals))
    errors.push_back({"interval", "is required: day, week, month or year"});
  else
    p.interval = std::string{interval->get_string()};
  if (!errors.empty())
    return errors;
  return p;
}

decoded<refund_request> decode_refund(std::string_view body) {
  auto parsed = optional_object(body, {"amount"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  refund_request r;
  if (const auto* amount = o.if_contains("amount"); amount != nullptr && !amount->is_null()) {
    if (!amount->is_int64() || amount->get_int64() <= 0 || amount->get_int64() > max_amount)
      return field_errors{{"amount", "must be an integer from 1 to 99999999 (smallest unit)"}};
    r.amount = amount->get_int64();
  }
  return r;
}

decoded<checkout_request> decode_checkout(std::string_view body, const redirect_origins& allowed) {
  auto parsed = decode::object_of(body, {"plan_id", "success_url", "cancel_url"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  checkout_request r;
  const auto* plan = o.if_contains("plan_id");
  if (plan == nullptr || !plan->is_string() || !is_uuid(plan->get_string()))
    errors.push_back({"plan_id", "is required: the id of a plan (a UUID)"});
  else
    r.plan_id = std::string{plan->get_string()};
  url_field(o, "success_url", allowed, r.success_url, errors);
  url_field(o, "cancel_url", allowed, r.cancel_url, errors);
  if (!errors.empty())
    return errors;
  return r;
}

decoded<portal_request> decode_portal(std::string_view body, const redirect_origins& allowed) {
  auto parsed = optional_object(body, {"return_url"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  portal_request r;
  url_field(std::get<json::object>(parsed), "return_url", allowed, r.return_url, errors);
  if (!errors.empty())
    return errors;
  return r;
}

decoded<cancel_request> decode_cancel(std::string_view body) {
  auto parsed = optional_object(body, {"at_period_end"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  cancel_request r;
  const auto& o = std::get<json::object>(parsed);
  if (const auto* v = o.if_contains("at_period_end"); v != nullptr && !v->is_null()) {
    if (!v->is_bool())
      return field_errors{{"at_period_end", "must be a boolean"}};
    r.at_period_end = v->get_bool();
  }
  return r;
}

} // namespace gh::payments
