#pragma once

#include "actors/federation/idp_event.hpp"
#include "messages/event_envelope.hpp"
#include "messages/http.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::nats {
class bus;
} // namespace gh::nats

namespace gh::federation {

/// A provider that may call `POST /webhooks/idp/{provider}`: its name and its
/// `OIDC_<NAME>_WEBHOOK_SECRET` as configured (a `whsec_…` Standard Webhooks secret, or
/// FusionAuth's HMAC key used as its bytes).
struct idp_webhook_provider {
  std::string name;
  std::string secret;
};

/// Why a webhook is refused: the problem it answers.
struct idp_webhook_refusal {
  gh_errc code = gh_errc::invalid_signature;
  std::string detail;
  std::vector<field_error> errors;
};

/// What one webhook request comes to.
using idp_webhook_check = std::variant<idp_event, ignored_idp_event, idp_webhook_refusal>;

/// Checks a request of `provider`: its size (413 over `max_idp_body_bytes`), its signature (an
/// `X-FusionAuth-Signature-JWT` header: FusionAuth's check with the secret's bytes; otherwise the
/// Standard Webhooks headers with the `whsec_` secret's key, 300 s tolerance around `now`), then
/// its body (400 `validation`).
idp_webhook_check check_idp_webhook(const idp_webhook_provider& provider,
                                    const http_request& request, int64_t now);

/// The IDP stream's envelope of `event` from `provider`: subject `idp.webhook.<provider>`, an id
/// derived from the provider and the provider's event id (so a redelivered webhook is the same
/// message and is applied once), the default tenant, and data `to_json(event)` with `provider`.
event_envelope idp_envelope(const std::string& provider, const idp_event& event,
                            const std::string& tenant_id, std::string occurred_at);

/// What the receiver needs; `bus` outlives the actor.
struct idp_webhook_options {
  std::vector<idp_webhook_provider> providers; ///< only those with a webhook secret
  nats::bus* bus = nullptr;
  std::string tenant_id = "00000000-0000-0000-0000-000000000001";
  std::chrono::milliseconds publish_timeout{3000};
};

/// Serves `POST /webhooks/idp/{provider}` (API.md "Federation", "Provider webhooks"): 404 for a
/// provider that is not configured or has no webhook secret, then `check_idp_webhook`; a
/// verified user event is published on the IDP stream and answered 200 only once JetStream
/// acknowledged it (503 while NATS is unreachable, so the provider retries); an ignored
/// FusionAuth event is answered 200 and not queued. A detached actor: publishing blocks.
http_handler_actor spawn_idp_webhooks(caf::actor_system& sys, idp_webhook_options options);

} // namespace gh::federation
