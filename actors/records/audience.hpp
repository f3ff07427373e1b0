#pragma once

#include "actors/app.hpp"
#include "persistence/sql.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>

namespace gh::records {

/// Who sees a record's pushed `record.*` event: the audience function for `app::add_push`, and
/// the actor behind it that the module owns.
struct record_audience {
  push_audience audience;
  caf::actor actor;
};

/// The users allowed to read a record event's record, as they are when the event arrives: the
/// owner of a personal record (`data.owner_id`), every current member of the organization of
/// a shared one (`data.org_id`, read by the returned actor from `db` as Gatehouse's own role,
/// since no user is calling), so someone removed a moment ago is no longer among them.
record_audience spawn_record_audience(caf::actor_system& sys, db::database& db,
                                      std::chrono::milliseconds timeout);

} // namespace gh::records
