#include "actors/records/records_module.hpp"

#include "actors/records/audience.hpp"
#include "actors/records/records_docs.hpp"
#include "actors/records/records_service.hpp"

namespace gh::records {

void install(app& a) {
  records_options options;
  options.db = &a.db;
  auto service = spawn_records(a.sys, options);
  a.own(caf::actor_cast<caf::actor>(service));
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, service, r.body, auth_policy::user);

  // A personal record's events reach its owner, an organization's every current member.
  auto audience = spawn_record_audience(a.sys, a.db, options.db_timeout);
  a.own(audience.actor);
  for (const char* subject : {"record.created", "record.updated", "record.deleted"})
    a.add_push({subject, {}, {}, audience.audience});
  describe(a);
}

} // namespace gh::records
