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
  ++s.changes;
  store(s, user_id, std::move(body), until);
}

uint64_t profile_cache::read_ticket(const std::string& user_id) const {
  auto& s = shard_of(user_id);
  std::shared_lock lock{s.mutex};
  return s.changes;
}

void profile_cache::put_read(const std::string& user_id, std::string body, clock::time_point until,
                             uint64_t ticket) {
  auto& s = shard_of(user_id);
  std::unique_lock lock{s.mutex};
  if (s.changes != ticket)
    return;
  store(s, user_id, std::move(body), until);
}

void profile_cache::store(shard& s, const std::string& user_id, std::string body,
                          clock::time_point until) const {
  if (s.entries.size() >= per_shard_ && !s.entries.contains(user_id))
    s.entries.clear();
  auto& e = s.entries.try_emplace(user_id).first->second;
  e.body = std::move(body);
  e.window.renew(until);
}

void profile_cache::erase(const std::string& user_id) {
  auto& s = shard_of(user_id);
  std::unique_lock lock{s.mutex};
  ++s.changes;
  s.entries.erase(user_id);
}

} // namespace gh
