#pragma once

#include "persistence/cache.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gh {

/// Access tokens (by `jti`) and sessions (by session id) revoked before their tokens expire.
/// The gateway consults it on every authenticated request; the identity actor adds to it on
/// logout, password change and session revocation, and refreshes it from Redis (where every
/// replica writes its revocations) so all replicas converge within a second. Thread-safe.
class revocation_list {
public:
  /// Marks `id` revoked until `expires_at` (Unix seconds).
  void revoke(const std::string& id, int64_t expires_at);

  /// True when `id` is revoked at `now`.
  bool is_revoked(std::string_view id, int64_t now) const;

  /// Adds every entry of `entries` (as read from Redis) and forgets expired ones.
  void merge(const std::vector<std::pair<std::string, int64_t>>& entries, int64_t now);

  std::size_t size() const;

  /// Calls `fn(id)` for every id revoked from now on that was not revoked before (by `revoke`
  /// here or by `merge` from another replica), outside the list's lock and on the caller's
  /// thread: the gateway closes the WebSockets of a revoked session with it. Set it before
  /// serving and clear it (an empty function) before what it points at goes away.
  void on_revoked(std::function<void(const std::string& id)> fn);

private:
  void notify(const std::vector<std::string>& ids) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, int64_t> until_;
  mutable std::mutex observer_mutex_;
  std::function<void(const std::string&)> observer_;
};

/// Revokes `id` (a session or an access token's `jti`) until `until` (Unix seconds) at once in
/// `list` and, through `redis` (`ZADD gh:revoked`), on every replica; a Redis failure is logged
/// and leaves the revocation in force on this instance only. Call it from `self`'s context.
void record_revocation(caf::event_based_actor* self, const redis::redis_actor& redis,
                       revocation_list& list, const std::string& id, int64_t until);

/// The same for `ids` at once (one `ZADD`), from a thread that may block, such as an event
/// worker's handler, which has no actor of its own: waits for Redis at most two seconds.
void record_revocations(caf::actor_system& sys, const redis::redis_actor& redis,
                        revocation_list& list, const std::vector<std::string>& ids, int64_t until);

} // namespace gh
