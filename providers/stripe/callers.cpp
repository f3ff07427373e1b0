#include "providers/stripe/callers.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gh::stripe {

namespace {

caller_actor::behavior_type caller_impl(caller_actor::pointer /*self*/,
                                        const std::shared_ptr<client>& c) {
  return {
      [c](exec_atom, job& j) {
        if (std::chrono::steady_clock::now() > j.deadline)
          return false; // its caller gave up waiting: Stripe is not asked any more
        try {
          j.run(*c);
          return true;
        } catch (const std::exception&) {
          return false;
        }
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

caller_actor callers::pick() {
  std::lock_guard lock{mutex_};
  if (actors_.empty())
    return {};
  return actors_[next_.fetch_add(1, std::memory_order_relaxed) % actors_.size()];
}

void callers::stop() {
  std::vector<caller_actor> stopping;
  {
    std::lock_guard lock{mutex_};
    stopping.swap(actors_);
  }
  // A call racing the shutdown either got a handle before (and reaches a stopping actor, which
  // fails it cleanly) or none (and answers `not_configured`).
  for (const auto& a : stopping)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

} // namespace gh::stripe
