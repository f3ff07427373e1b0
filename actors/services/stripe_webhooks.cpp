#include "actors/services/stripe_webhooks.hpp"

#include "actors/events/outbox.hpp"
#include "actors/identity/crypto.hpp"
#include "actors/payments/stripe_signature.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>

namespace gh {

namespace {

constexpr std::size_t max_event_body = std::size_t{512} * 1024;

bool is_event_id(std::string_view id) noexcept {
  return id.starts_with("evt_") && id.size() > 4 && id.size() <= 255 &&
         std::all_of(id.begin() + 4, id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
         });
}

/// Stripe event types are dot-separated lower-case words (`checkout.session.completed`).
bool is_event_type(std::string_view type) noexcept {
  return !type.empty() && type.size() <= 128 && type.front() != '.' && type.back() != '.' &&
         type.find("..") == std::string_view::npos &&
         std::all_of(type.begin(), type.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
         });
}

void receive(const stripe_webhook_options& opt, caf::event_based_actor* self,
             const http_request& r) {
  if (opt.secrets.empty()) {
    r.reply->fail(gh_errc::not_configured, "STRIPE_WEBHOOK_SECRET is not set");
    return;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto* signature = r.header("stripe-signature");
  const auto check = stripe::check_signature(signature == nullptr ? std::string_view{} : *signature,
                                             r.body, opt.secrets, now);
  if (check != stripe::signature_check::valid) {
    r.reply->fail(gh_errc::invalid_signature, std::string{stripe::describe(check)});
    return;
  }
  // Signed by Stripe, still checked: the body becomes an event other actors decode.
  auto parsed = parse_untrusted_json(r.body, json_limits{max_event_body, 64});
  auto* root = std::get_if<boost::json::value>(&parsed);
  if (root == nullptr || !root->is_object()) {
    r.reply->fail(gh_errc::validation, "the body is not a Stripe event object",
                  {{"body", "must be a JSON object"}});
    return;
  }
  auto& event = root->as_object();
  const auto* id = event.if_contains("id");
  const auto* type = event.if_contains("type");
  const auto* created = event.if_contains("created");
  const auto* object = event.if_contains("object");
  std::vector<field_error> errors;
  if (object == nullptr || !object->is_string() || object->get_string() != "event")
    errors.push_back({"object", "must be \"event\""});
  if (id == nullptr || !id->is_string() || !is_event_id(id->get_string()))
    errors.push_back({"id", "must be a Stripe event id (evt_...)"});
  if (type == nullptr || !type->is_string() || !is_event_type(type->get_string()))
    errors.push_back({"type", "must be a Stripe event type"});
  if (created == nullptr || !created->is_int64() || created->get_int64() <= 0)
    errors.push_back({"created", "must be a Unix timestamp"});
  if (!errors.empty()) {
    r.reply->fail(gh_errc::validation, "the body is not a Stripe event", std::move(errors));
    return;
  }
  const auto uuid = stripe_event_uuid(id->get_string());
  const auto subject = "stripe.webhook." + std::string{type->get_string()};
  const auto occurred_at =
      to_rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{created->get_int64()}});
  auto reply = r.reply;
  auto stripe_id = std::string{id->get_string()};
  opt.db->query<bool>(
      self, opt.db_timeout,
      [uuid, subject, occurred_at, tenant = opt.tenant_id,
       data = std::move(event)](db::transaction& tx) mutable {
        return events::write_once(tx, uuid, subject, tenant, occurred_at, std::move(data));
      },
      [reply, stripe_id](caf::expected<bool> written) {
        if (!written) {
          // Stripe retries whatever is not answered 2xx: nothing is lost.
          reply->fail(gh_errc::provider_unavailable, "the event could not be queued; retry");
          return;
        }
        boost::json::object body{{"received", true}, {"duplicate", !*written}};
        reply->respond({200, "application/json", boost::json::serialize(body), {}});
      });
}

} // namespace

std::string stripe_event_uuid(std::string_view stripe_event_id) {
  return crypto::name_uuid("gatehouse stripe event " + std::string{stripe_event_id});
}

http_handler_actor spawn_stripe_webhooks(caf::actor_system& sys, stripe_webhook_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn(
      [](caf::event_based_actor* self, const stripe_webhook_options& opt) -> caf::behavior {
        return {[self, opt](http_request& r) { receive(opt, self, r); }};
      },
      std::move(options)));
}

} // namespace gh
