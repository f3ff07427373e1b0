#include "actors/services/ops.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gh {

std::string readiness_json(const dependency_health& health) {
  boost::json::object o;
  o["status"] = health.all_up() ? "ok" : "unavailable";
  for (auto d : all_dependencies)
    o[dependency_name(d)] = health.up(d) ? "ok" : "down";
  return boost::json::serialize(o);
}

namespace {

http_handler_actor::behavior_type ops_impl(http_handler_actor::pointer, ops_context ctx) {
  return {
      [ctx](http_request& req) {
        if (req.route == "/healthz") {
          req.reply->respond({200, "application/json", R"({"status":"ok"})", {}});
        } else if (req.route == "/readyz") {
          const bool ready = ctx.health->all_up();
          req.reply->respond(
              {ready ? 200 : 503, "application/json", readiness_json(*ctx.health), {}});
        } else if (req.route == "/metrics") {
          req.reply->respond({200,
                              "text/plain; version=0.0.4; charset=utf-8",
                              ctx.stats->render(*ctx.health),
                              {}});
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
