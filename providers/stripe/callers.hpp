#pragma once

#include "messages/type_ids.hpp"
#include "providers/stripe/client.hpp"

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace gh::stripe {

/// Calls to Stripe that run on a caller's own thread.
struct job {
  std::function<void(client&)> run;
  /// When the caller stops waiting; a job still queued then is dropped, not run late.
  std::chrono::steady_clock::time_point deadline;
};

/// A detached actor that runs jobs against the shared client, one at a time.
using caller_actor = caf::typed_actor<caf::replies_to<exec_atom, job>::with<bool>>;

/// A fixed set of caller actors, so actors on the scheduler's threads reach Stripe without
/// blocking them. Without a client (no `STRIPE_SECRET_KEY`) every call answers
/// `not_configured`.
class callers {
public:
  callers(caf::actor_system& sys, std::shared_ptr<client> c, unsigned count);
  ~callers();

  callers(const callers&) = delete;
  callers& operator=(const callers&) = delete;

  bool configured() const noexcept { return client_ != nullptr; }

  /// Runs `fn(client&) -> result` on a caller and hands its result to `done(result)` in
  /// `self`'s context; a caller that does not answer within `timeout` yields
  /// `provider_unavailable`.
  template <class Fn, class Done>
  void call(caf::event_based_actor* self, std::chrono::milliseconds timeout, Fn fn, Done done) {
    auto target = pick();
    if (!client_ || !target) {
      result out;
      out.error = gh_errc::not_configured;
      out.detail = "payments are not configured (STRIPE_SECRET_KEY)";
      done(std::move(out));
      return;
    }
    if (in_flight_->fetch_add(1, std::memory_order_relaxed) >= max_in_flight) {
      in_flight_->fetch_sub(1, std::memory_order_relaxed);
      done(unavailable("Gatehouse is waiting on Stripe for many calls; try again shortly"));
      return;
    }
    auto out = std::make_shared<result>();
    job j{[out, fn = std::move(fn)](client& c) { *out = fn(c); },
          std::chrono::steady_clock::now() + timeout};
    self->request(target, timeout, exec_atom_v, std::move(j))
        .then(
            [count = in_flight_, out, done](bool ran) mutable {
              count->fetch_sub(1, std::memory_order_relaxed);
              if (ran)
                done(std::move(*out));
              else
                done(unavailable("the call to Stripe failed; try again later"));
            },
            [count = in_flight_, done](caf::error&) mutable {
              count->fetch_sub(1, std::memory_order_relaxed);
              done(unavailable("Stripe did not answer in time; try again later"));
            });
  }

  /// Calls queued or running at once; more are refused with `provider_unavailable`.
  static constexpr int max_in_flight = 64;

  /// The client itself, for code on a thread of its own (workers, the CLI); may be null.
  client* direct() const noexcept { return client_.get(); }

  /// Stops every caller and lets go of them, so the actor system can end; later calls answer
  /// `not_configured`. Idempotent.
  void stop();

private:
  /// The next caller, round robin; null once stopped.
  caller_actor pick();

  static result unavailable(std::string detail) {
    result r;
    r.error = gh_errc::provider_unavailable;
    r.detail = std::move(detail);
    return r;
  }

  std::shared_ptr<client> client_;
  /// Shared with the callbacks, which may run after this object is gone.
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
  std::mutex mutex_;
  std::vector<caller_actor> actors_;
  std::atomic<std::size_t> next_{0};
};

} // namespace gh::stripe

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::stripe::job)
