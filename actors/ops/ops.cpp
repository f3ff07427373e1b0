#include "actors/ops/ops.hpp"

#include "messages/event_envelope.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gh {

bool ready(const dependency_health& health, const drain_state* drain) noexcept {
  return health.all_up() && (drain == nullptr || !drain->draining());
}

std::string readiness_json(const dependency_health& health, const drain_state* drain) {
  boost::json::object o;
  o["status"] = drain != nullptr && drain->draining() ? "draining"
                : health.all_up()                     ? "ok"
                                                      : "unavailable";
  for (auto d : all_dependencies)
    o[dependency_name(d)] = health.up(d) ? "ok" : "down";
  return boost::json::serialize(o);
}

std::string stats_json(const dependency_health& health, const metrics& stats,
                       const event_stats& events, std::string_view instance_id) {
  boost::json::object o;
  o["instance"] = instance_id;
  boost::json::object outbox;
  outbox["backlog"] = events.outbox_backlog.load(std::memory_order_relaxed);
  outbox["published"] = events.published.load(std::memory_order_relaxed);
  outbox["publish_errors"] = events.publish_errors.load(std::memory_order_relaxed);
  o["outbox"] = std::move(outbox);
  boost::json::object consumers;
  for (const auto& c : events.consumers()) {
    boost::json::object one;
    one["pending"] = c->pending.load(std::memory_order_relaxed);
    one["processed"] = c->processed.load(std::memory_order_relaxed);
    one["skipped"] = c->skipped.load(std::memory_order_relaxed);
    one["retried"] = c->retried.load(std::memory_order_relaxed);
    one["dead_lettered"] = c->dead_lettered.load(std::memory_order_relaxed);
    consumers[c->name] = std::move(one);
  }
  o["consumers"] = std::move(consumers);
  boost::json::object actors;
  for (const auto& [kind, live] : stats.actor_counts())
    actors[kind] = live;
  o["actors"] = std::move(actors);
  o["websockets"] = stats.websockets_open.load(std::memory_order_relaxed);
  o["pushed_frames"] = events.pushed_frames.load(std::memory_order_relaxed);
  boost::json::object deps;
  for (auto d : all_dependencies)
    deps[dependency_name(d)] = health.up(d) ? "ok" : "down";
  o["dependencies"] = std::move(deps);
  return boost::json::serialize(o);
}

std::string instance_json(const instance_view& v) {
  boost::json::object o;
  o["instance"] = v.id;
  o["version"] = v.version;
  o["started"] = v.started;
  o["ready"] = ready(*v.health, v.drain);
  const auto since = v.drain == nullptr ? std::nullopt : v.drain->since();
  o["draining"] = since.has_value();
  if (since)
    o["draining_since"] = to_rfc3339(*since);
  else
    o["draining_since"] = nullptr;
  boost::json::object actors;
  for (const auto& [kind, live] : v.stats->actor_counts())
    actors[kind] = live;
  o["actors"] = std::move(actors);
  o["websockets"] = v.stats->websockets_open.load(std::memory_order_relaxed);
  return boost::json::serialize(o);
}

namespace {

http_handler_actor::behavior_type ops_impl(http_handler_actor::pointer, ops_context ctx) {
  return {
      [ctx](http_request& req) {
        if (req.route == "/healthz") {
          req.reply->respond({200, "application/json", R"({"status":"ok"})", {}});
        } else if (req.route == "/readyz") {
          req.reply->respond({ready(*ctx.health, ctx.drain) ? 200 : 503,
                              "application/json",
                              readiness_json(*ctx.health, ctx.drain),
                              {}});
        } else if (req.route == "/metrics") {
          req.reply->respond({200,
                              "text/plain; version=0.0.4; charset=utf-8",
                              ctx.stats->render(*ctx.health),
                              {}});
        } else if (req.route == "/openapi.json" && ctx.openapi) {
          req.reply->respond({200, "application/json", *ctx.openapi, {}});
        } else {
          req.reply->fail(gh_errc::not_found, "no such ops route");
        }
      },
  };
}

} // namespace

http_handler_actor spawn_ops(caf::actor_system& sys, ops_context ctx) {
  return sys.spawn(ops_impl, std::move(ctx));
}

} // namespace gh
