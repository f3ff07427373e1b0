#include "actors/webhooks/fanout.hpp"

#include "actors/webhooks/event_patterns.hpp"
#include "actors/webhooks/sender.hpp"
#include "persistence/jetstream/nats_bus.hpp"

#include <unordered_map>

namespace gh::webhooks {

namespace {

/// An enabled endpoint: its id and the patterns it subscribes to.
struct endpoint {
  std::string id;
  std::vector<std::string> patterns;
};

/// The enabled endpoints of each tenant, read once per batch of events (one transaction), so a
/// batch of a tenant without a matching endpoint costs no statement per event. An endpoint added,
/// changed or disabled while a batch is applied counts from the next batch, as if the batch's
/// events had been applied a moment earlier.
class endpoints_of_batch {
public:
  const std::vector<endpoint>& of(const std::string& tenant_id, db::transaction& tx) {
    if (auto it = by_tenant_.find(tenant_id); it != by_tenant_.end())
      return it->second;
    return by_tenant_.emplace(tenant_id, read(tenant_id, tx)).first->second;
  }

private:
  static std::vector<endpoint> read(const std::string& tenant_id, db::transaction& tx) {
    const auto rows =
        tx.exec("SELECT id::text, array_to_string(events, ' ') FROM webhook_endpoints WHERE "
                "enabled AND tenant_id = $1::uuid",
                {tenant_id});
    std::vector<endpoint> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
      // Patterns hold no spaces (see pattern_problem), so a space separates them safely.
      endpoint e{db::text(row, 0), {}};
      const auto joined = db::text(row, 1);
      std::string_view rest{joined};
      while (!rest.empty()) {
        const auto space = rest.find(' ');
        e.patterns.emplace_back(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  std::unordered_map<std::string, std::vector<endpoint>> by_tenant_;
};

events::handled fan_out(const event_envelope& event, db::transaction& tx,
                        endpoints_of_batch& endpoints) {
  if (!deliverable(event.type))
    return {};
  std::string matched = "{";
  for (const auto& e : endpoints.of(event.tenant_id, tx))
    if (any_matches(e.patterns, event.type))
      matched += (matched.size() == 1 ? "" : ",") + e.id;
  matched += "}";
  if (matched == "{}")
    return {};
  // One round trip: the deliveries, and the sender woken when any is new (not for a redelivered
  // event whose deliveries exist).
  tx.exec("WITH added AS (INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, "
          "payload, next_attempt_at) SELECT e, $2::uuid, $3, $4, now() FROM unnest($1::uuid[]) "
          "AS e ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING 1) "
          "SELECT pg_notify($5, '') WHERE EXISTS (SELECT 1 FROM added)",
          {matched, event.id, event.type, encode_event(event), std::string{notify_channel}});
  return {};
}

} // namespace

std::vector<events::consumer_spec> fanout_consumers() {
  std::vector<events::consumer_spec> out;
  for (const auto& stream : nats::gatehouse_streams()) {
    for (const auto& subject : stream.subjects) {
      // `user.>` -> family `user`; only families whose events endpoints may receive.
      const auto family = subject.substr(0, subject.find('.'));
      if (!subject.ends_with(".>") || subject.find('.') != family.size() ||
          subject.size() != family.size() + 2 || !deliverable(subject))
        continue;
      events::consumer_spec spec;
      spec.name = "webhooks_" + family;
      spec.stream = stream.name;
      spec.subject = subject;
      spec.batch_handler = [] {
        return [endpoints = endpoints_of_batch{}](
                   const event_envelope& e, const events::delivery_info&,
                   db::transaction& tx) mutable { return fan_out(e, tx, endpoints); };
      };
      out.push_back(std::move(spec));
    }
  }
  return out;
}

} // namespace gh::webhooks
