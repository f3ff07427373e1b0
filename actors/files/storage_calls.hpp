#pragma once

#include "messages/gh_errc.hpp"
#include "messages/type_ids.hpp"
#include "providers/storage/storage.hpp"

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace gh::files {

/// A blocking call to the object store, run on a worker's own thread.
struct storage_job {
  std::function<void(const storage::store&)> run;
  /// When the caller stops waiting; a job still queued then is dropped, not run late.
  std::chrono::steady_clock::time_point deadline;
};

/// A detached actor that runs storage jobs one at a time.
using storage_worker = caf::typed_actor<caf::replies_to<exec_atom, storage_job>::with<bool>>;

/// A fixed set of detached workers, so actors on the scheduler's threads reach the store (disk
/// or network) without blocking them.
class storage_calls {
public:
  storage_calls(caf::actor_system& sys, std::shared_ptr<const storage::store> store,
                unsigned count);
  ~storage_calls();

  storage_calls(const storage_calls&) = delete;
  storage_calls& operator=(const storage_calls&) = delete;

  /// Runs `fn(const store&) -> T` on a worker and hands the result to `done(std::optional<T>)`
  /// in `self`'s context; empty when the worker did not answer within `timeout`, or too many
  /// calls wait already.
  template <class T, class Fn, class Done>
  void call(caf::event_based_actor* self, std::chrono::milliseconds timeout, Fn fn, Done done) {
    auto target = pick();
    if (!target || in_flight_->fetch_add(1, std::memory_order_relaxed) >= max_in_flight) {
      if (target)
        in_flight_->fetch_sub(1, std::memory_order_relaxed);
      done(std::optional<T>{});
      return;
    }
    auto out = std::make_shared<std::optional<T>>();
    storage_job job{[out, fn = std::move(fn)](const storage::store& s) { out->emplace(fn(s)); },
                    std::chrono::steady_clock::now() + timeout};
    self->request(target, timeout, exec_atom_v, std::move(job))
        .then(
            [count = in_flight_, out, done](bool) mutable {
              count->fetch_sub(1, std::memory_order_relaxed);
              done(std::move(*out));
            },
            [count = in_flight_, done](caf::error&) mutable {
              count->fetch_sub(1, std::memory_order_relaxed);
              done(std::optional<T>{});
            });
  }

  /// Calls queued or running at once; more are refused at once.
  static constexpr int max_in_flight = 256;

  /// Stops every worker; later calls end empty. Idempotent.
  void stop();

private:
  storage_worker pick();

  std::shared_ptr<const storage::store> store_;
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
  std::mutex mutex_;
  std::vector<storage_worker> workers_;
  std::atomic<std::size_t> next_{0};
};

} // namespace gh::files

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::files::storage_job)
