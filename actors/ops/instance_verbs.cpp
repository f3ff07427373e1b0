#include "actors/ops/instance_verbs.hpp"

#include "actors/ops/ops.hpp"
#include "actors/ops_requests.hpp"
#include "messages/event_envelope.hpp"
#include "messages/type_ids.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <map>
#include <optional>

namespace gh::ops {

namespace {

instance_view view_of(const app& a, std::string_view started) {
  return {a.settings.instance_id, a.version, started, &a.health, &a.stats, &a.drain};
}

} // namespace

std::string drain_subject(std::string_view id) {
  return "gatehouse.ops.instance." + std::string{id} + ".drain";
}

nats::endpoint_reply drain(app& a, std::string_view started, std::string_view body) {
  auto decoded = ops_requests::decode_drain(body);
  if (auto* refused = std::get_if<ops_requests::refusal>(&decoded))
    return ops_requests::error_reply(*refused);
  const auto request = std::get<ops_requests::drain_request>(decoded);
  // From here on `/readyz` says 503 and the front refuses new WebSockets.
  const bool first = a.drain.begin(std::chrono::system_clock::now());
  std::optional<std::vector<std::string>> stopped;
  {
    caf::scoped_actor self{a.sys};
    self->request(a.registry, std::chrono::seconds{5}, drain_atom_v,
                  static_cast<int64_t>(
                      std::chrono::duration_cast<std::chrono::milliseconds>(request.idle).count()))
        .receive([&](std::vector<std::string>& kinds) { stopped = std::move(kinds); },
                 [](const caf::error&) {});
  }
  if (!stopped)
    return ops_requests::error_reply(
        {500, "draining, but the registry of per-user actors did not answer", {}});
  std::map<std::string, int64_t> by_kind;
  for (const auto& kind : *stopped)
    ++by_kind[kind];
  boost::json::object stopped_json;
  for (const auto& [kind, n] : by_kind)
    stopped_json[kind] = n;
  auto o = boost::json::parse(instance_json(view_of(a, started))).as_object();
  o["already_draining"] = !first;
  o["idle_seconds"] = request.idle.count();
  o["stopped"] = std::move(stopped_json);
  o["refusing"] = boost::json::array{"new per-user actors", "new WebSockets"};
  o["readyz"] = 503;
  return nats::endpoint_reply{boost::json::serialize(o), 0, {}};
}

std::vector<nats::endpoint> instance_endpoints(app& a, std::string started) {
  std::vector<nats::endpoint> out;
  out.push_back({"instances", "gatehouse.ops.instances",
                 [&a, started](std::string_view) {
                   return nats::endpoint_reply{instance_json(view_of(a, started)), 0, {}};
                 },
                 true});
  out.push_back({"drain", drain_subject(a.settings.instance_id),
                 [&a, started](std::string_view body) { return drain(a, started, body); }, true});
  return out;
}

} // namespace gh::ops
