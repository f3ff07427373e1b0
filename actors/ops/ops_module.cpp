#include "actors/ops/ops_module.hpp"

#include "actors/ops/instance_verbs.hpp"
#include "actors/ops/openapi.hpp"
#include "actors/ops/ops.hpp"
#include "messages/event_envelope.hpp"

#include <chrono>

namespace gh::ops {

namespace {

const std::vector<route_doc>& docs() {
  static const std::vector<route_doc> all{
      {"GET",
       "/healthz",
       "ops",
       "Liveness: 200 while the process serves",
       {},
       200,
       R"({"type":"object","properties":{"status":{"const":"ok"}}})",
       "none"},
      {"GET",
       "/readyz",
       "ops",
       "Readiness: 200, or 503 while a dependency is down or the instance drains",
       {},
       200,
       R"({"type":"object","properties":{"status":{"enum":["ok","unavailable","draining"]},)"
       R"("postgres":{"enum":["ok","down"]},"redis":{"enum":["ok","down"]},)"
       R"("nats":{"enum":["ok","down"]}}})",
       "none"},
      {"GET", "/metrics", "ops", "Prometheus metrics (text exposition 0.0.4)", {}, 200, {}, "none"},
      {"GET", "/openapi.json", "ops", "This document", {}, 200, R"({"type":"object"})", "none"},
  };
  return all;
}

} // namespace

void install(app& a) {
  // Filled by the start hook, once every module has registered its routes, before serving.
  auto openapi = std::make_shared<std::string>();
  auto ops =
      spawn_ops(a.sys, {&a.health, &a.stats, &a.drain, a.version, a.settings.instance_id, openapi});
  // None of them needs I/O or per-user state: answered on the io thread that read them.
  a.add_route("GET", "/healthz", ops, body_kind::none, auth_policy::none,
              [](const inline_request&) -> std::optional<http_response> {
                return http_response{200, "application/json", R"({"status":"ok"})", {}};
              });
  a.add_route("GET", "/readyz", ops, body_kind::none, auth_policy::none,
              [&health = a.health,
               &drain = a.drain](const inline_request&) -> std::optional<http_response> {
                return http_response{ready(health, &drain) ? 200 : 503,
                                     "application/json",
                                     readiness_json(health, &drain),
                                     {}};
              });
  a.add_route("GET", "/metrics", ops, body_kind::none, auth_policy::none,
              [&a](const inline_request&) -> std::optional<http_response> {
                return http_response{
                    200, "text/plain; version=0.0.4; charset=utf-8", a.stats.render(a.health), {}};
              });
  a.add_route("GET", "/openapi.json", ops, body_kind::none, auth_policy::none,
              [openapi](const inline_request&) -> std::optional<http_response> {
                return http_response{200, "application/json", *openapi, {}};
              });
  a.add_docs(docs());
  a.on_start([&a, openapi] {
    *openapi = openapi_document({a.routes(), a.docs(), a.schemas(), a.version, a.public_base()});
  });
  a.own(caf::actor_cast<caf::actor>(ops));
  a.add_ops_endpoint(
      {"health", "gatehouse.ops.health", [&health = a.health, &drain = a.drain](std::string_view) {
         return nats::endpoint_reply{readiness_json(health, &drain), 0, {}};
       }});
  a.add_ops_endpoint({"stats", "gatehouse.ops.stats", [&a](std::string_view) {
                        return nats::endpoint_reply{
                            stats_json(a.health, a.stats, a.events, a.settings.instance_id), 0, {}};
                      }});
  for (auto& endpoint : instance_endpoints(a, to_rfc3339(std::chrono::system_clock::now())))
    a.add_ops_endpoint(std::move(endpoint));
}

} // namespace gh::ops
