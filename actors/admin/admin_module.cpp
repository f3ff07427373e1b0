#include "actors/admin/admin_module.hpp"
#include "actors/admin/admin_docs.hpp"

#include "actors/admin/admin_service.hpp"

namespace gh::admin {

void install(app& a) {
  admin_options o;
  o.db = &a.db;
  o.redis = a.redis;
  o.keys = api_keys::checker{api_keys::options_for(a)};
  o.revoked = &a.revoked;
  o.access_ttl = std::chrono::duration_cast<std::chrono::seconds>(a.settings.access_token_ttl);
  auto admin = spawn_admin(a.sys, std::move(o));
  a.own(caf::actor_cast<caf::actor>(admin));
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, admin, r.body, auth_policy::optional);
  describe(a);
}

} // namespace gh::admin
