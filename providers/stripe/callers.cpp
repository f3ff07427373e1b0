#include "providers/stripe/callers.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gh::stripe {

namespace {

caller_actor::behavior_type caller_impl(caller_actor::pointer /*self*/,
                                        const std::shared_ptr<client>& c) {
  return {
      [c](exec_atom, job& j) {
        j.run(*c);
        return true;
      },
  };
}

} // namespace

callers::callers(caf::actor_system& sys, std::shared_ptr<client> c, unsigned count)
    : client_(std::move(c)) {
  if (!client_)
    return;
  for (unsigned i = 0; i < count; ++i)
    actors_.push_back(sys.spawn<caf::detached>(caller_impl, client_));
}

callers::~callers() {
  stop();
}

void callers::stop() {
  for (const auto& a : actors_)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  actors_.clear();
}

} // namespace gh::stripe
