#include "actors/files/storage_calls.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gh::files {

namespace {

storage_worker::behavior_type worker_impl(storage_worker::pointer /*self*/,
                                          const std::shared_ptr<const storage::store>& store) {
  return {
      [store](exec_atom, storage_job& job) {
        if (std::chrono::steady_clock::now() >= job.deadline)
          return false;
        job.run(*store);
        return true;
      },
  };
}

} // namespace

storage_calls::storage_calls(caf::actor_system& sys, std::shared_ptr<const storage::store> store,
                             unsigned count)
    : store_(std::move(store)) {
  for (unsigned i = 0; i < count; ++i)
    workers_.push_back(sys.spawn<caf::detached>(worker_impl, store_));
}

storage_calls::~storage_calls() {
  stop();
}

storage_worker storage_calls::pick() {
  std::lock_guard guard{mutex_};
  if (workers_.empty())
    return {};
  return workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

void storage_calls::stop() {
  std::lock_guard guard{mutex_};
  for (auto& w : workers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  workers_.clear();
}

} // namespace gh::files
