#include "actors/revocations.hpp"

#include "config/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace gh {

void revocation_list::revoke(const std::string& id, int64_t expires_at) {
  bool added = false;
  {
    std::unique_lock lock{mutex_};
    auto [it, inserted] = until_.try_emplace(id, expires_at);
    added = inserted;
    it->second = std::max(it->second, expires_at);
  }
  if (added)
    notify({id});
}

bool revocation_list::is_revoked(std::string_view id, int64_t now) const {
  if (id.empty())
    return false;
  std::shared_lock lock{mutex_};
  auto it = until_.find(std::string{id});
  return it != until_.end() && it->second > now;
}

void revocation_list::merge(const std::vector<std::pair<std::string, int64_t>>& entries,
                            int64_t now) {
  std::vector<std::string> added;
  {
    std::unique_lock lock{mutex_};
    std::erase_if(until_, [now](const auto& entry) { return entry.second <= now; });
    for (const auto& [id, until] : entries)
      if (until > now) {
        auto [it, inserted] = until_.try_emplace(id, until);
        if (inserted)
          added.push_back(id);
        it->second = std::max(it->second, until);
      }
  }
  notify(added);
}

void revocation_list::on_revoked(std::function<void(const std::string& id)> fn) {
  std::lock_guard lock{observer_mutex_};
  observer_ = std::move(fn);
}

void revocation_list::notify(const std::vector<std::string>& ids) const {
  if (ids.empty())
    return;
  std::lock_guard lock{observer_mutex_};
  if (observer_)
    for (const auto& id : ids)
      observer_(id);
}

std::size_t revocation_list::size() const {
  std::shared_lock lock{mutex_};
  return until_.size();
}

void record_revocation(caf::event_based_actor* self, const redis::redis_actor& redis,
                       revocation_list& list, const std::string& id, int64_t until) {
  list.revoke(id, until);
  self->request(redis, std::chrono::seconds{2}, exec_atom_v,
                redis::command{"ZADD", "gh:revoked", std::to_string(until), id})
      .then([](const redis::reply&) {},
            [](const caf::error&) {
              log::warn("cannot record a revocation in Redis; it holds on this instance only");
            });
}

void record_revocations(caf::actor_system& sys, const redis::redis_actor& redis,
                        revocation_list& list, const std::vector<std::string>& ids, int64_t until) {
  if (ids.empty())
    return;
  redis::command zadd{"ZADD", "gh:revoked"};
  for (const auto& id : ids) {
    list.revoke(id, until);
    zadd.push_back(std::to_string(until));
    zadd.push_back(id);
  }
  caf::scoped_actor self{sys};
  self->request(redis, std::chrono::seconds{2}, exec_atom_v, std::move(zadd))
      .receive([](const redis::reply&) {},
               [](const caf::error&) {
                 log::warn("cannot record a revocation in Redis; it holds on this instance only");
               });
}

} // namespace gh
