#pragma once

#include "actors/refresh_window.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace gh {

/// Profiles (`GET /api/v1/users/me` bodies) read recently, by user id, each kept until a
/// deadline: the identity actor fills it and drops an entry on every change it makes; the
/// gateway's io threads answer from it without a hop to the actor. Kept briefly (see
/// `identity_module.cpp`), so a change made through another replica shows within that time.
/// Thread-safe: sharded, each shard behind a reader-writer lock.
class profile_cache {
public:
  using clock = std::chrono::steady_clock;

  /// At most `limit` entries (a full shard is emptied rather than grown).
  explicit profile_cache(std::size_t limit = 100000) : per_shard_(limit / shard_count + 1) {}

  /// The body kept for `user_id`, unless it is older than its deadline at `now`.
  std::optional<std::string> find(const std::string& user_id, clock::time_point now) const;

  /// The body to answer `user_id` with where no actor is asked (the io thread), as
  /// `refresh_window::serves` decides: the first request after the deadline gets nothing, goes
  /// to the identity actor and so reads the profile again (`put` ends the refresh); the others
  /// keep the old body meanwhile. A refresh that fails leaves it in use until `grace` runs out.
  std::optional<std::string> serve(const std::string& user_id, clock::time_point now,
                                   clock::duration grace) const;

  /// Keeps `body` for `user_id` until `until`: the profile as a change just left it.
  void put(const std::string& user_id, std::string body, clock::time_point until);

  /// Taken before a read of `user_id`'s profile from the database; hand it to `put_read`.
  uint64_t read_ticket(const std::string& user_id) const;

  /// `put` for a body read after `ticket` was taken. Stores nothing when an entry of the same
  /// shard was put or dropped since: a change may have been made while the read ran, and the
  /// body read would put the old profile back over it. The next request reads it again.
  void put_read(const std::string& user_id, std::string body, clock::time_point until,
                uint64_t ticket);

  /// Forgets `user_id`'s entry.
  void erase(const std::string& user_id);

private:
  static constexpr std::size_t shard_count = 16;
  struct entry {
    std::string body;
    refresh_window window; // its refresh is claimed under the shared lock
  };
  struct shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, entry> entries;
    uint64_t changes = 0; // puts and erases so far: what a read ticket holds
  };

  /// `put` with the shard locked.
  void store(shard& s, const std::string& user_id, std::string body, clock::time_point until) const;

  shard& shard_of(const std::string& user_id) const {
    return shards_[std::hash<std::string>{}(user_id) % shard_count];
  }

  std::size_t per_shard_;
  mutable std::array<shard, shard_count> shards_;
};

} // namespace gh
