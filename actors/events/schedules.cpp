#include "actors/events/schedules.hpp"

#include "actors/tick_loop.hpp"
#include "config/log.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <thread>

namespace gh::events {

namespace {

struct schedule_runner {
  explicit schedule_runner(const schedule_spec& s)
      : spec(s), next_run(std::chrono::steady_clock::now() + s.interval) {}

  void step() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_run) {
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(next_run - now, std::chrono::seconds{1}));
      return;
    }
    next_run = now + spec.interval;
    try {
      spec.run();
    } catch (const std::exception& e) {
      log::warn("a scheduled job failed", {{"schedule", spec.name}, {"error", e.what()}});
    }
  }

  schedule_spec spec;
  std::chrono::steady_clock::time_point next_run;
};

caf::behavior schedule_impl(caf::event_based_actor* self, const schedule_spec& spec) {
  return tick_loop<schedule_runner>(self, spec);
}

} // namespace

caf::actor spawn_schedule(caf::actor_system& sys, schedule_spec spec) {
  return sys.spawn<caf::detached>(schedule_impl, std::move(spec));
}

} // namespace gh::events
