#include "actors/payments/webhook_receiver.hpp"

#include "actors/payments/stripe_events.hpp"
#include "actors/payments/stripe_signature.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>

namespace gh::payments {

namespace {

constexpr std::size_t max_event_body = std::size_t{512} * 1024;

void receive(const stripe_webhook_options& opt, caf::event_based_actor* self,
             const http_request& r) {
  if (opt.secrets.empty()) {
    r.reply->fail(gh_errc::not_configured, "STRIPE_WEBHOOK_SECRET is not set");
    return;
  }
  const auto now = unix_now();
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
  auto problems = check_event(event);
  if (!problems.empty()) {
    std::vector<field_error> errors;
    for (auto& p : problems)
      errors.push_back({std::move(p.field), std::move(p.message)});
    r.reply->fail(gh_errc::validation, "the body is not a Stripe event", std::move(errors));
    return;
  }
  auto reply = r.reply;
  opt.db->query<bool>(
      self, opt.db_timeout,
      [tenant = opt.tenant_id, data = std::move(event)](db::transaction& tx) mutable {
        return queue_event(tx, tenant, std::move(data));
      },
      [reply](caf::expected<bool> written) {
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

http_handler_actor spawn_stripe_webhooks(caf::actor_system& sys, stripe_webhook_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn(
      [](caf::event_based_actor* self, const stripe_webhook_options& opt) -> caf::behavior {
        return {[self, opt](http_request& r) { receive(opt, self, r); }};
      },
      std::move(options)));
}

} // namespace gh::payments
