#pragma once

#include "actors/app.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace gh::events {

/// Runs `spec.run` on a detached actor of its own, first one `spec.interval` after start, then
/// every `spec.interval`; an exit is seen within a second, except while a run is under way. A
/// run that throws is logged and the schedule goes on.
caf::actor spawn_schedule(caf::actor_system& sys, schedule_spec spec);

} // namespace gh::events
