#include "actors/federation/idp_worker.hpp"

#include "actors/addresses.hpp"
#include "actors/audit.hpp"
#include "actors/federation/accounts.hpp"
#include "actors/federation/idp_event.hpp"
#include "actors/outbox.hpp"
#include "actors/user_lifecycle.hpp"
#include "config/log.hpp"
#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/object.hpp>

#include <memory>

namespace gh::federation {

namespace {

namespace json = boost::json;
using events::handled;

constexpr std::string_view idp_subject_prefix = "idp.webhook.";

/// The identity a provider's event speaks of, with the claims the sign-in rules read: the
/// e-mail normalised as a sign-in takes it, a name only when it is acceptable text.
provider_identity identity_of(const std::string& provider, const idp_event& e) {
  provider_identity who;
  who.provider = provider;
  who.subject = e.sub;
  // Stored and compared exactly as identity stores addresses; one that does not survive that is
  // left out (the identity stays, without an address).
  if (e.email)
    who.email = addresses::normalise_email(*e.email).value_or("");
  who.email_verified = e.email_verified.value_or(false);
  if (e.name && !decode::text_problem(*e.name, max_idp_name_chars))
    who.name = *e.name;
  return who;
}

json::object webhook_details(const provider_identity& who) {
  return json::object{{"provider", who.provider}, {"subject", who.subject}};
}

class idp_applier {
public:
  explicit idp_applier(idp_worker_options opt) : opt_(std::move(opt)) {}

  handled apply(const event_envelope& envelope, db::transaction& tx) {
    if (!envelope.type.starts_with(idp_subject_prefix))
      return {events::outcome::dead, "not an idp.webhook.* event"};
    const auto provider = envelope.type.substr(idp_subject_prefix.size());
    const auto* named = envelope.data.if_contains("provider");
    if (named == nullptr || !named->is_string() || named->get_string() != provider)
      return {events::outcome::dead, "data.provider must name the subject's provider"};
    const auto* entry = find(provider);
    if (entry == nullptr) {
      // Configured when the webhook came, gone since: nothing here acts for it any more.
      log::info("event of a provider no longer configured skipped",
                {{"event", envelope.id}, {"provider", provider}});
      return {events::outcome::done, {}};
    }
    auto decoded = idp_event_from_json(envelope.data);
    if (auto* e = std::get_if<idp_event_error>(&decoded))
      return {events::outcome::dead,
              e->errors.empty() ? e->detail
                                : e->errors.front().field + " " + e->errors.front().message};
    const auto& event = std::get<idp_event>(decoded);
    const auto who = identity_of(provider, event);
    const audit::origin from{{}, "identity provider webhook (" + provider + ")", envelope.id};
    switch (event.type) {
    case idp_event_type::user_created:
    case idp_event_type::user_updated:
      return sync(tx, envelope, *entry, who, from, event.type == idp_event_type::user_created);
    case idp_event_type::user_disabled:
      return disable(tx, envelope, who, from);
    case idp_event_type::user_deleted:
      return remove(tx, envelope, who, from);
    }
    return {events::outcome::done, {}};
  }

private:
  const idp_worker_provider* find(std::string_view name) const {
    for (const auto& p : opt_.providers)
      if (p.name == name)
        return &p;
    return nullptr;
  }

  handled sync(db::transaction& tx, const event_envelope& envelope, const idp_worker_provider& p,
               const provider_identity& who, const audit::origin& from, bool create) {
    const auto done = sync_identity(tx, from, who, p.trust_email, opt_.default_tenant, create);
    forget(done.user_id);
    if (done.result == outcome::conflict || done.result == outcome::disabled ||
        done.result == outcome::unknown)
      log::info("provider event not applied",
                {{"event", envelope.id}, {"provider", who.provider}, {"why", done.detail}});
    return {events::outcome::done, {}};
  }

  handled disable(db::transaction& tx, const event_envelope& envelope, const provider_identity& who,
                  const audit::origin& from) {
    const auto owner = find_identity(tx, who.provider, who.subject);
    if (!owner)
      return ignored(envelope, who);
    const auto ended = disable_user(tx, owner->user_id);
    if (!ended)
      return ignored(envelope, who);
    auto details = webhook_details(who);
    details["sessions_revoked"] = static_cast<int64_t>(ended->size());
    audit::write(tx, from, owner->tenant_id, "idp:" + who.provider, "user.disabled", owner->user_id,
                 details);
    if (owner->status != "disabled")
      events::write(tx, "user.disabled", owner->tenant_id,
                    json::object{{"user_id", owner->user_id}, {"provider", who.provider}});
    forget(owner->user_id);
    revoke(*ended);
    return {events::outcome::done, {}};
  }

  handled remove(db::transaction& tx, const event_envelope& envelope, const provider_identity& who,
                 const audit::origin& from) {
    const auto owner = find_identity(tx, who.provider, who.subject);
    if (!owner)
      return ignored(envelope, who);
    const auto ended = delete_user(tx, owner->user_id, owner->tenant_id);
    if (!ended)
      return ignored(envelope, who);
    audit::write(tx, from, owner->tenant_id, "idp:" + who.provider, "user.deleted", owner->user_id,
                 webhook_details(who));
    forget(owner->user_id);
    revoke(*ended);
    return {events::outcome::done, {}};
  }

  static handled ignored(const event_envelope& envelope, const provider_identity& who) {
    log::info("provider event of an identity no user has ignored",
              {{"event", envelope.id}, {"provider", who.provider}});
    return {events::outcome::done, {}};
  }

  void forget(const std::string& user_id) {
    if (opt_.profiles != nullptr && !user_id.empty())
      opt_.profiles->erase(user_id);
  }

  /// The ended sessions' access tokens stop working at once here and, through Redis, on every
  /// replica within its next refresh. Done before the transaction commits: should it roll
  /// back, the event comes again and ends them for good.
  void revoke(const std::vector<std::string>& families) {
    if (opt_.sys == nullptr || opt_.revoked == nullptr || families.empty())
      return;
    record_revocations(*opt_.sys, opt_.redis, *opt_.revoked, families,
                       unix_now() + opt_.access_ttl.count());
  }

  idp_worker_options opt_;
};

} // namespace

events::consumer_spec idp_consumer(idp_worker_options options) {
  events::consumer_spec spec;
  spec.name = "idp";
  spec.stream = "IDP";
  spec.subject = "idp.webhook.>";
  auto applier = std::make_shared<idp_applier>(std::move(options));
  spec.handler = [applier](const event_envelope& event, const events::delivery_info&,
                           db::transaction& tx) { return applier->apply(event, tx); };
  return spec;
}

} // namespace gh::federation
