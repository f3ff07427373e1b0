#include "actors/webhooks/fanout.hpp"

#include "actors/webhooks/event_patterns.hpp"
#include "actors/webhooks/sender.hpp"
#include "persistence/jetstream/nats_bus.hpp"

namespace gh::webhooks {

events::handled fan_out(const event_envelope& event, db::transaction& tx) {
  if (!deliverable(event.type))
    return {};
  const auto endpoints =
      tx.exec("SELECT id::text, array_to_string(events, ' ') FROM webhook_endpoints WHERE "
              "enabled AND tenant_id = $1::uuid",
              {event.tenant_id});
  std::string matched = "{";
  for (const auto& row : endpoints) {
    // Patterns hold no spaces (see pattern_problem), so a space separates them safely.
    std::vector<std::string> patterns;
    const auto joined = db::text(row, 1);
    std::string_view rest{joined};
    while (!rest.empty()) {
      const auto space = rest.find(' ');
      patterns.emplace_back(rest.substr(0, space));
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    if (any_matches(patterns, event.type))
      matched += (matched.size() == 1 ? "" : ",") + db::text(row, 0);
  }
  matched += "}";
  if (matched == "{}")
    return {};
  tx.exec("INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, "
          "next_attempt_at) SELECT e, $2::uuid, $3, $4, now() FROM unnest($1::uuid[]) AS e "
          "ON CONFLICT (endpoint_id, event_id) DO NOTHING",
          {matched, event.id, event.type, encode_event(event)});
  tx.exec("SELECT pg_notify($1, '')", {std::string{notify_channel}});
  return {};
}

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
      spec.handler = [](const event_envelope& e, const events::delivery_info&,
                        db::transaction& tx) { return fan_out(e, tx); };
      out.push_back(std::move(spec));
    }
  }
  return out;
}

} // namespace gh::webhooks
