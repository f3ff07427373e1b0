#include "actors/profile_cache.hpp"

#include <mutex>

namespace gh {

std::optional<std::string> profile_cache::find(const std::string& user_id,
                                               clock::time_point now) const {
  auto& s = shard_of(user_id);
  std::shared_lock lock{s.mutex};
  auto it = s.entries.find(user_id);
  if (it == s.entries.end() || it->second.window.until() <= now)
    return std::nullopt;
  return it->second.body;
}

std::optional<std::string> profile_cache::serve(const std::string& user_id, clock::time_point now,
                                                clock::duration grace) const {
  auto& s = shard_of(user_id);
  std::shared_lock lock{s.mutex};
  auto it = s.entries.find(user_id);
  if (it == s.entries.end() || !it->second.window.serves(now, grace))
    return std::nullopt;
  return it->second.body;
}

void profile_cache::put(const std::string& user_id, std::string body, clock::time_point until) {
  auto& s = shard_of(user_id);
  std::unique_lock lock{s.mutex};
  if (s.entries.size() >= per_shard_ && !s.entries.contains(user_id))
    s.entries.clear();
  auto& e = s.entries.try_emplace(user_id).first->second;
  e.body = std::move(body);
  e.window.renew(until);
}

void profile_cache::erase(const std::string& user_id) {
  auto& s = shard_of(user_id);
  std::unique_lock lock{s.mutex};
  s.entries.erase(user_id);
}

} // namespace gh
