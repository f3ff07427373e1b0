#pragma once

#include "persistence/cache.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
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

private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, int64_t> until_;
};

/// Revokes `id` (a session or an access token's `jti`) until `until` (Unix seconds) at once in
/// `list` and, through `redis` (`ZADD gh:revoked`), on every replica; a Redis failure is logged
/// and leaves the revocation in force on this instance only. Call it from `self`'s context.
void record_revocation(caf::event_based_actor* self, const redis::redis_actor& redis,
                       revocation_list& list, const std::string& id, int64_t until);

} // namespace gh
