#include "actors/console/console_module.hpp"

#include "actors/console/console.hpp"

namespace gh::console {

void install(app& a) {
  auto console = spawn_console(a.sys, a.settings.gateway.ws_message_limit, &a.stats);
  a.set_console(console);
  a.own(caf::actor_cast<caf::actor>(console));
}

} // namespace gh::console
