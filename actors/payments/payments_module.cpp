#include "actors/payments/payments_module.hpp"
#include "actors/payments/payments_docs.hpp"

#include "actors/api_keys.hpp"
#include "actors/payments/checkout_flow.hpp"
#include "actors/payments/commands.hpp"
#include "actors/payments/payments_admin.hpp"
#include "actors/payments/payments_service.hpp"
#include "actors/payments/reconcile.hpp"
#include "actors/payments/reconcile_command.hpp"
#include "actors/payments/webhook_receiver.hpp"
#include "actors/payments/webhook_worker.hpp"
#include "messages/decode.hpp"
#include "providers/stripe/callers.hpp"

#include <stdexcept>

namespace gh::payments {

void install(app& a) {
  const auto& s = a.settings;
  // One Stripe client: behind caller actors for the services, used directly by the worker and
  // the reconcile job on threads of their own. Actors point at both, so both outlive them.
  auto client = stripe::client_of(s);
  if (client && !client->usable())
    throw std::runtime_error(
        "STRIPE_API_BASE is not usable (https, or http towards loopback only)");
  auto callers = std::make_shared<stripe::callers>(a.sys, client, 4);
  a.keep(client);
  a.keep(callers);
  a.on_stop([callers] { callers->stop(); });

  a.add_user_actor_kind(std::string{checkout_kind},
                        checkout_flow_kind({&a.db, callers.get(), &a.sinks}));

  payments_options user_side;
  user_side.db = &a.db;
  user_side.stripe = callers.get();
  user_side.registry = a.registry;
  user_side.public_url = a.public_base();
  if (auto own = decode::origin_of(a.public_base()))
    user_side.redirect_origins.push_back(*own);
  for (const auto& origin : s.allowed_redirects)
    user_side.redirect_origins.push_back(origin);
  auto payments = spawn_payments(a.sys, std::move(user_side));
  a.own(caf::actor_cast<caf::actor>(payments));
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, payments, r.body, auth_policy::user);
  add_commands(a, payments);

  // Stripe signs its webhooks; the receiver checks the signature over the raw body itself.
  stripe_webhook_options webhook;
  webhook.db = &a.db;
  for (const auto& secret : s.stripe_webhook_secrets)
    webhook.secrets.push_back(secret.reveal());
  auto receiver = spawn_stripe_webhooks(a.sys, std::move(webhook));
  a.own(caf::actor_cast<caf::actor>(receiver));
  a.add_route("POST", "/webhooks/stripe", receiver, body_kind::json, auth_policy::none);

  payments_admin_options operators;
  operators.db = &a.db;
  operators.keys = api_keys::checker{api_keys::options_for(a)};
  operators.stripe = callers.get();
  auto admin = spawn_payments_admin(a.sys, std::move(operators));
  a.own(caf::actor_cast<caf::actor>(admin));
  for (const auto& r : admin_routes())
    a.add_route(r.method, r.pattern, admin, r.body, auth_policy::optional);

  a.add_consumer(stripe_consumer(client.get()));
  if (client)
    a.add_schedule(reconcile_schedule({s.database_url, client.get()}));
  // Any one instance answers; a reconcile pass queues each event once, whoever runs it.
  a.add_ops_endpoint({"stripe_reconcile", "gatehouse.ops.stripe.reconcile",
                      [client = client.get(), &url = s.database_url](std::string_view body) {
                        return reconcile_verb(client, url, body);
                      }});
  a.add_push({"subscription.updated", {}, {}});
  // A completed payment reaches its checkout's actor first, which reloads and then pushes.
  a.add_push({"payment.completed", std::string{checkout_kind}, "checkout_id"});
  describe(a);
}

} // namespace gh::payments
