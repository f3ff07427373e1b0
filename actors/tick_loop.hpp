#pragma once

#include "messages/type_ids.hpp"

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include <memory>

namespace gh {

/// The behaviour of a detached actor that owns a `State` built from `args` and runs its blocking
/// `step()` again and again, one `tick` message per round, so an exit message is seen between
/// rounds. Return it from a named function that CAF spawns with the arguments: CAF 0.17 trips
/// UBSan on function-based actors spawned without any (see cmake/sanitizers.cmake).
template <class State, class... Args>
caf::behavior tick_loop(caf::event_based_actor* self, const Args&... args) {
  auto state = std::make_shared<State>(args...);
  self->send(self, tick_atom_v);
  return {[self, state](tick_atom) {
    state->step();
    self->send(self, tick_atom_v);
  }};
}

} // namespace gh
