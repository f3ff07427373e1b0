#include "actors/federation/idp_receiver.hpp"

#include "actors/federation/fusionauth_signature.hpp"
#include "config/log.hpp"
#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"
#include "persistence/jetstream/nats_bus.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>

#include <nats/nats.h>

#include <chrono>
#include <memory>

namespace gh::federation {

namespace {

std::string_view header_or_empty(const http_request& r, std::string_view name) {
  const auto* h = r.header(name);
  return h == nullptr ? std::string_view{} : std::string_view{*h};
}

/// Publishes IDP envelopes on JetStream and waits for the stream's acknowledgement.
class idp_publisher {
public:
  idp_publisher(nats::bus* bus, std::chrono::milliseconds timeout) : bus_(bus), timeout_(timeout) {}
  ~idp_publisher() {
    if (js_ != nullptr)
      jsCtx_Destroy(js_);
  }
  idp_publisher(const idp_publisher&) = delete;
  idp_publisher& operator=(const idp_publisher&) = delete;

  enum class result { stored, duplicate, unavailable };

  result publish(const event_envelope& event) {
    natsConnection* nc = bus_ == nullptr ? nullptr : bus_->connection();
    // Until the bus has made the IDP stream, a publish could only fail.
    if (nc == nullptr || natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED ||
        !bus_->streams_ready())
      return result::unavailable;
    if (js_ == nullptr) {
      jsOptions o;
      jsOptions_Init(&o);
      o.Wait = timeout_.count();
      if (natsConnection_JetStream(&js_, nc, &o) != NATS_OK) {
        js_ = nullptr;
        return result::unavailable;
      }
    }
    const auto payload = encode_event(event);
    natsMsg* raw = nullptr;
    if (natsMsg_Create(&raw, event.type.c_str(), nullptr, payload.data(),
                       static_cast<int>(payload.size())) != NATS_OK)
      return result::unavailable;
    natsMsgHeader_Set(raw, "Nats-Msg-Id", event.id.c_str());
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_.count();
    // The message must land on the IDP stream, not on whatever else might listen.
    po.ExpectStream = "IDP";
    jsPubAck* ack = nullptr;
    auto err = static_cast<jsErrCode>(0);
    const auto status = js_PublishMsg(&ack, js_, raw, &po, &err);
    natsMsg_Destroy(raw);
    auto out = result::unavailable;
    if (status == NATS_OK && ack != nullptr)
      out = ack->Duplicate ? result::duplicate : result::stored;
    else
      log::warn("cannot queue a provider webhook on JetStream",
                {{"status", natsStatus_GetText(status)}, {"error", std::to_string(err)}});
    if (ack != nullptr)
      jsPubAck_Destroy(ack);
    return out;
  }

private:
  nats::bus* bus_;
  std::chrono::milliseconds timeout_;
  jsCtx* js_ = nullptr;
};

void receive_idp(const idp_webhook_options& opt, idp_publisher& publisher, const http_request& r) {
  const auto name = r.param("provider");
  const idp_webhook_provider* provider = nullptr;
  for (const auto& p : opt.providers)
    if (p.name == name && !p.secret.empty())
      provider = &p;
  if (provider == nullptr) {
    r.reply->fail(gh_errc::not_found, "no identity provider of that name takes webhooks");
    return;
  }
  auto checked = check_idp_webhook(*provider, r, unix_now());
  if (auto* refused = std::get_if<idp_webhook_refusal>(&checked)) {
    r.reply->fail(refused->code, std::move(refused->detail), std::move(refused->errors));
    return;
  }
  if (std::holds_alternative<ignored_idp_event>(checked)) {
    boost::json::object body{{"received", true}, {"ignored", true}};
    r.reply->respond({200, "application/json", boost::json::serialize(body), {}});
    return;
  }
  const auto& event = std::get<idp_event>(checked);
  const auto envelope = idp_envelope(provider->name, event, opt.tenant_id,
                                     to_rfc3339(std::chrono::system_clock::now()));
  const auto published = publisher.publish(envelope);
  if (published == idp_publisher::result::unavailable) {
    // Not acknowledged: the provider retries, and nothing was applied.
    r.reply->fail(gh_errc::provider_unavailable, "the event could not be queued; retry");
    return;
  }
  boost::json::object body{{"received", true},
                           {"duplicate", published == idp_publisher::result::duplicate}};
  r.reply->respond({200, "application/json", boost::json::serialize(body), {}});
}

} // namespace

idp_webhook_check check_idp_webhook(const idp_webhook_provider& provider, const http_request& r,
                                    int64_t now) {
  if (r.body.size() > max_idp_body_bytes)
    return idp_webhook_refusal{
        gh_errc::payload_too_large, "a provider's webhook body is at most 65536 bytes", {}};
  idp_decode_result decoded;
  if (const auto* jwt = r.header("x-fusionauth-signature-jwt"); jwt != nullptr) {
    const auto check = check_fusionauth_signature(*jwt, r.body, provider.secret, now);
    if (check != fusionauth_check::valid)
      return idp_webhook_refusal{gh_errc::invalid_signature, std::string{describe(check)}, {}};
    decoded = decode_fusionauth_event(r.body);
  } else {
    const auto key = standard_webhooks::secret_key(provider.secret);
    if (!key)
      return idp_webhook_refusal{gh_errc::invalid_signature,
                                 "the provider's webhook secret is not a Standard Webhooks secret; "
                                 "only FusionAuth's signature can be checked with it",
                                 {}};
    const auto id = header_or_empty(r, "webhook-id");
    const auto check = standard_webhooks::verify(*key, id, header_or_empty(r, "webhook-timestamp"),
                                                 header_or_empty(r, "webhook-signature"), r.body,
                                                 now, std::chrono::seconds{300});
    if (check != standard_webhooks::verify_result::valid)
      return idp_webhook_refusal{
          gh_errc::invalid_signature, std::string{standard_webhooks::describe(check)}, {}};
    decoded = decode_standard_webhook_event(id, r.body);
  }
  if (auto* e = std::get_if<idp_event_error>(&decoded))
    return idp_webhook_refusal{gh_errc::validation, std::move(e->detail), std::move(e->errors)};
  if (auto* ignored = std::get_if<ignored_idp_event>(&decoded))
    return std::move(*ignored);
  return std::get<idp_event>(std::move(decoded));
}

event_envelope idp_envelope(const std::string& provider, const idp_event& event,
                            const std::string& tenant_id, std::string occurred_at) {
  event_envelope e;
  e.id = crypto::name_uuid("gatehouse idp event " + provider + "\n" + event.id);
  e.type = "idp.webhook." + provider;
  e.occurred_at = std::move(occurred_at);
  e.tenant_id = tenant_id;
  e.data = to_json(event);
  e.data["provider"] = provider;
  return e;
}

http_handler_actor spawn_idp_webhooks(caf::actor_system& sys, idp_webhook_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn<caf::detached>(
      [](caf::event_based_actor*, const idp_webhook_options& opt) -> caf::behavior {
        auto publisher = std::make_shared<idp_publisher>(opt.bus, opt.publish_timeout);
        return {[opt, publisher](http_request& r) { receive_idp(opt, *publisher, r); }};
      },
      std::move(options)));
}

} // namespace gh::federation
