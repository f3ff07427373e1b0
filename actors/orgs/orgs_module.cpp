#include "actors/orgs/orgs_module.hpp"

#include "actors/orgs/orgs_docs.hpp"
#include "actors/orgs/orgs_service.hpp"

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
}

} // namespace gh::orgs
