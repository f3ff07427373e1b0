#include "actors/payments/stripe_events.hpp"

#include "actors/outbox.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <algorithm>
#include <chrono>

namespace gh::payments {

namespace json = boost::json;

namespace {

bool word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// Field `name` of `o` as text: a string, or the `id` of an expanded object; empty otherwise.
std::string id_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr)
    return {};
  if (v->is_string())
    return std::string{v->get_string()};
  if (v->is_object())
    if (const auto* id = v->get_object().if_contains("id"); id != nullptr && id->is_string())
      return std::string{id->get_string()};
  return {};
}

/// Field `name` as a string of at most `max` bytes; nullopt when absent, null or not a string.
std::optional<std::string> text_field(const json::object& o, std::string_view name,
                                      std::size_t max = 2048) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string() || v->get_string().size() > max)
    return std::nullopt;
  return std::string{v->get_string()};
}

std::optional<int64_t> int_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr)
    return std::nullopt;
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->get_uint64());
  return std::nullopt;
}

const json::object* object_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

/// The first element of the list object `o[name]` (`{"object": "list", "data": [...]}`).
const json::object* first_item(const json::object& o, std::string_view name) {
  const auto* list = object_field(o, name);
  if (list == nullptr)
    return nullptr;
  const auto* data = list->if_contains("data");
  if (data == nullptr || !data->is_array() || data->get_array().empty() ||
      !data->get_array().front().is_object())
    return nullptr;
  return &data->get_array().front().get_object();
}

/// `o.metadata[key]` when it is a string.
std::string metadata(const json::object& o, std::string_view key) {
  const auto* m = object_field(o, "metadata");
  if (m == nullptr)
    return {};
  return text_field(*m, key, 255).value_or(std::string{});
}

bool is_status(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 40 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool is_currency(std::string_view s) noexcept {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

/// An optional id field: empty, or an id with `prefix`.
bool optional_id(const std::string& id, std::string_view prefix) noexcept {
  return id.empty() || is_object_id(id, prefix);
}

} // namespace

bool is_event_id(std::string_view id) noexcept {
  return is_object_id(id, "evt");
}

bool is_event_type(std::string_view type) noexcept {
  return !type.empty() && type.size() <= 128 && type.front() != '.' && type.back() != '.' &&
         type.find("..") == std::string_view::npos &&
         std::all_of(type.begin(), type.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
         });
}

bool is_object_id(std::string_view id, std::string_view prefix) noexcept {
  return id.size() > prefix.size() + 1 && id.size() <= 255 && id.starts_with(prefix) &&
         id[prefix.size()] == '_' &&
         std::all_of(id.begin() + static_cast<std::ptrdiff_t>(prefix.size()) + 1, id.end(),
                     word_char);
}

std::string stripe_event_uuid(std::string_view stripe_event_id) {
  return crypto::name_uuid("gatehouse stripe event " + std::string{stripe_event_id});
}

std::string subscription_uuid(std::string_view stripe_subscription_id) {
  return crypto::name_uuid("gatehouse stripe subscription " + std::string{stripe_subscription_id});
}

std::string invoice_uuid(std::string_view stripe_invoice_id) {
  return crypto::name_uuid("gatehouse stripe invoice " + std::string{stripe_invoice_id});
}

std::vector<object_error> check_event(const json::object& event) {
  const auto* id = event.if_contains("id");
  const auto* type = event.if_contains("type");
  const auto* created = event.if_contains("created");
  const auto* object = event.if_contains("object");
  std::vector<object_error> errors;
  if (object == nullptr || !object->is_string() || object->get_string() != "event")
    errors.push_back({"object", "must be \"event\""});
  if (id == nullptr || !id->is_string() || !is_event_id(id->get_string()))
    errors.push_back({"id", "must be a Stripe event id (evt_...)"});
  if (type == nullptr || !type->is_string() || !is_event_type(type->get_string()))
    errors.push_back({"type", "must be a Stripe event type"});
  if (created == nullptr || !created->is_int64() || created->get_int64() <= 0)
    errors.push_back({"created", "must be a Unix timestamp"});
  return errors;
}

bool queue_event(db::transaction& tx, const std::string& tenant, json::object event) {
  const auto id = std::string{event.at("id").get_string()};
  const auto subject = "stripe.webhook." + std::string{event.at("type").get_string()};
  const auto occurred_at = to_rfc3339(
      std::chrono::system_clock::time_point{std::chrono::seconds{event.at("created").get_int64()}});
  return events::write_once(tx, stripe_event_uuid(id), subject, tenant, occurred_at,
                            std::move(event));
}

decoded_session decode_checkout_session(const json::object& o) {
  checkout_session s;
  s.id = text_field(o, "id", 255).value_or("");
  if (!is_object_id(s.id, "cs"))
    return object_error{"id", "must be a Checkout Session id (cs_...)"};
  s.status = text_field(o, "status", 40).value_or("");
  if (s.status != "open" && s.status != "complete" && s.status != "expired")
    return object_error{"status", "must be open, complete or expired"};
  s.customer = id_field(o, "customer");
  s.subscription = id_field(o, "subscription");
  if (!optional_id(s.customer, "cus") || !optional_id(s.subscription, "sub"))
    return object_error{"customer", "customer and subscription must be Stripe ids"};
  s.client_reference_id = text_field(o, "client_reference_id", 200).value_or("");
  s.checkout_id = metadata(o, "checkout_id");
  s.url = text_field(o, "url").value_or("");
  s.expires_at = int_field(o, "expires_at").value_or(0);
  return s;
}

decoded_subscription decode_subscription(const json::object& o) {
  subscription s;
  s.id = text_field(o, "id", 255).value_or("");
  if (!is_object_id(s.id, "sub"))
    return object_error{"id", "must be a subscription id (sub_...)"};
  s.customer = id_field(o, "customer");
  if (!is_object_id(s.customer, "cus"))
    return object_error{"customer", "must be a customer id (cus_...)"};
  s.status = text_field(o, "status", 40).value_or("");
  if (!is_status(s.status))
    return object_error{"status", "must be a subscription status"};
  const auto* item = first_item(o, "items");
  if (item != nullptr) {
    s.price_id = id_field(*item, "price");
    if (!optional_id(s.price_id, "price"))
      return object_error{"items", "the item's price must be a price id (price_...)"};
  }
  s.user_id = metadata(o, "user_id");
  // Older API versions carry the period on the subscription, newer ones on each item.
  auto end = int_field(o, "current_period_end");
  if (!end && item != nullptr)
    end = int_field(*item, "current_period_end");
  s.current_period_end = end.value_or(0);
  if (s.current_period_end < 0)
    return object_error{"current_period_end", "must be a Unix timestamp"};
  if (const auto* cancel = o.if_contains("cancel_at_period_end"); cancel != nullptr) {
    if (!cancel->is_bool())
      return object_error{"cancel_at_period_end", "must be a boolean"};
    s.cancel_at_period_end = cancel->get_bool();
  }
  return s;
}

decoded_invoice decode_invoice(const json::object& o) {
  invoice i;
  i.id = text_field(o, "id", 255).value_or("");
  if (!is_object_id(i.id, "in"))
    return object_error{"id", "must be an invoice id (in_...)"};
  i.customer = id_field(o, "customer");
  if (!is_object_id(i.customer, "cus"))
    return object_error{"customer", "must be a customer id (cus_...)"};
  i.subscription = id_field(o, "subscription");
  if (i.subscription.empty())
    if (const auto* parent = object_field(o, "parent"))
      if (const auto* details = object_field(*parent, "subscription_details"))
        i.subscription = id_field(*details, "subscription");
  i.payment_intent = id_field(o, "payment_intent");
  if (!optional_id(i.subscription, "sub") || !optional_id(i.payment_intent, "pi"))
    return object_error{"subscription", "subscription and payment_intent must be Stripe ids"};
  const auto due = int_field(o, "amount_due");
  const auto paid = int_field(o, "amount_paid");
  if (!due || !paid || *due < 0 || *paid < 0)
    return object_error{"amount_due", "amount_due and amount_paid must be non-negative integers"};
  i.amount_due = *due;
  i.amount_paid = *paid;
  i.currency = text_field(o, "currency", 3).value_or("");
  if (!is_currency(i.currency))
    return object_error{"currency", "must be a lower-case ISO 4217 code"};
  i.status = text_field(o, "status", 40).value_or("");
  if (!is_status(i.status))
    return object_error{"status", "must be an invoice status"};
  i.hosted_invoice_url = text_field(o, "hosted_invoice_url").value_or("");
  if (!i.hosted_invoice_url.empty() && !i.hosted_invoice_url.starts_with("https://"))
    return object_error{"hosted_invoice_url", "must be an https URL"};
  const auto created = int_field(o, "created");
  if (!created || *created <= 0)
    return object_error{"created", "must be a Unix timestamp"};
  i.created = *created;
  return i;
}

decoded_charge decode_charge(const json::object& o) {
  charge c;
  c.id = text_field(o, "id", 255).value_or("");
  if (!is_object_id(c.id, "ch") && !is_object_id(c.id, "py"))
    return object_error{"id", "must be a charge id (ch_...)"};
  c.payment_intent = id_field(o, "payment_intent");
  if (!optional_id(c.payment_intent, "pi"))
    return object_error{"payment_intent", "must be a PaymentIntent id (pi_...)"};
  const auto refunded = int_field(o, "amount_refunded");
  if (!refunded || *refunded < 0)
    return object_error{"amount_refunded", "must be a non-negative integer"};
  c.amount_refunded = *refunded;
  return c;
}

} // namespace gh::payments
