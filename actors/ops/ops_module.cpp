#include "actors/ops/ops_module.hpp"

#include "actors/ops/ops.hpp"

namespace gh::ops {

void install(app& a) {
  auto ops = spawn_ops(a.sys, {&a.health, &a.stats, a.version, a.settings.instance_id});
  for (const char* path : {"/healthz", "/readyz", "/metrics"})
    a.add_route("GET", path, ops, body_kind::none, auth_policy::none);
  a.own(caf::actor_cast<caf::actor>(ops));
  a.add_ops_endpoint({"health", "gatehouse.ops.health", [&health = a.health](std::string_view) {
                        return nats::endpoint_reply{readiness_json(health), 0, {}};
                      }});
  a.add_ops_endpoint({"stats", "gatehouse.ops.stats", [&a](std::string_view) {
                        return nats::endpoint_reply{
                            stats_json(a.health, a.stats, a.events, a.settings.instance_id), 0, {}};
                      }});
}

} // namespace gh::ops
