#include "actors/orgs/orgs_module.hpp"

#include "actors/orgs/orgs_docs.hpp"
#include "actors/orgs/orgs_service.hpp"

#include <boost/json/serialize.hpp>

namespace gh::orgs {

void install(app& a) {
  orgs_options options;
  options.db = &a.db;
  options.public_url = a.public_base();
  auto service = spawn_orgs(a.sys, std::move(options));
  a.own(caf::actor_cast<caf::actor>(service));
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, service, r.body, auth_policy::user);
  describe(a);
  // Console commands answered by the same routes.
  a.add_command({"orgs",
                 {},
                 "your organizations and your role in each",
                 via_route(service, "GET", "/api/v1/orgs")});
  a.add_command(
      {"orgs.create",
       {{"name", arg_kind::rest}},
       "create an organization; you become its owner",
       via_route(service, [](const command_call& call) {
         route_call rc{"POST", "/api/v1/orgs", "/api/v1/orgs", {}, {}};
         rc.body = boost::json::serialize(boost::json::object{{"name", call.args.at("name")}});
         return rc;
       })});
}

} // namespace gh::orgs
