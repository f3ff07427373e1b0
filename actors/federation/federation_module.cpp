#include "actors/federation/federation_module.hpp"

#include "actors/federation/commands.hpp"
#include "actors/federation/federation_service.hpp"
#include "actors/federation/idp_receiver.hpp"
#include "actors/federation/idp_worker.hpp"
#include "messages/decode.hpp"
#include "providers/oidc/provider_keys.hpp"

namespace gh::federation {

namespace {

void describe(app& a) {
  a.add_docs({
      {"GET",
       "/api/v1/auth/oidc/{provider}/login",
       "federation",
       "Start a sign-in (or, with link=true, a link) with an OpenID provider: 302 to it",
       {},
       302,
       {},
       "optional"},
      {"GET",
       "/api/v1/auth/oidc/{provider}/callback",
       "federation",
       "The provider's answer: sets the session cookies and redirects (302)",
       {},
       302,
       {},
       "none"},
      {"DELETE",
       "/api/v1/users/me/identities/{provider}",
       "federation",
       "Unlink a provider (409 when it is the last way to sign in)",
       {},
       204,
       {},
       "user"},
      {"POST",
       "/webhooks/idp/{provider}",
       "federation",
       "A provider's user lifecycle event (Standard Webhooks or FusionAuth), queued once verified",
       {},
       200,
       {},
       "signature"},
  });
}

/// `POST /webhooks/idp/{provider}` and the worker applying what it queues on the IDP stream.
void install_webhooks(app& a) {
  idp_webhook_options receiver;
  receiver.bus = a.bus;
  idp_worker_options worker;
  worker.sys = &a.sys;
  worker.redis = a.redis;
  worker.revoked = &a.revoked;
  worker.profiles = &a.profiles;
  worker.access_ttl = std::chrono::duration_cast<std::chrono::seconds>(a.settings.access_token_ttl);
  for (const auto& p : a.settings.oidc_providers) {
    worker.providers.push_back({p.name, p.trust_email});
    if (!p.webhook_secret.reveal().empty())
      receiver.providers.push_back({p.name, p.webhook_secret.reveal()});
  }
  // Providers sign their webhooks: the receiver checks the signature over the raw body itself.
  auto service = spawn_idp_webhooks(a.sys, std::move(receiver));
  a.own_background(caf::actor_cast<caf::actor>(service));
  a.add_route("POST", "/webhooks/idp/{provider}", service, body_kind::json, auth_policy::none);
  a.add_consumer(idp_consumer(std::move(worker)));
}

} // namespace

void install(app& a) {
  const auto& s = a.settings;
  federation_options o;
  o.db = &a.db;
  o.redis = a.redis;
  o.keys = &a.keys;
  o.public_base = a.public_base();
  if (auto own = decode::origin_of(o.public_base))
    o.redirect_origins.push_back(*own);
  for (const auto& origin : s.allowed_redirects)
    o.redirect_origins.push_back(origin);
  o.cookies.names = cookie_names::for_production(s.production());
  o.cookies.secure = s.public_url.starts_with("https://");
  o.cookies.csrf_key = csrf_key_of(a.secrets_key);
  o.cookies.access_ttl = std::chrono::duration_cast<std::chrono::seconds>(s.access_token_ttl);
  for (const auto& p : s.oidc_providers) {
    oidc::provider_options keys;
    keys.issuer = p.issuer;
    keys.client_id = p.client_id;
    keys.client_secret = p.client_secret.reveal();
    o.providers.push_back({p.name, p.trust_email, p.scopes,
                           std::make_shared<oidc::provider_keys>(keys), p.accept_access_tokens,
                           p.accept_id_tokens});
    if (p.accept_access_tokens || p.accept_id_tokens)
      a.external.accept_issuer(p.issuer);
  }
  o.external = &a.external;
  o.profiles = &a.profiles;
  auto service = spawn_federation(a.sys, std::move(o));
  a.own(caf::actor_cast<caf::actor>(service));
  a.external.set_resolver(caf::actor_cast<token_resolver_actor>(service));
  // The gateway's copy of the handle goes with the actors, never after the actor system.
  a.on_stop([&external = a.external] { external.set_resolver({}); });
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, service, r.body, r.auth);
  install_webhooks(a);
  describe(a);
  std::vector<std::string> names;
  for (const auto& p : s.oidc_providers)
    names.push_back(p.name);
  add_commands(a, service, std::move(names));
}

} // namespace gh::federation
