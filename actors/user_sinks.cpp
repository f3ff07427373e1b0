#include "actors/user_sinks.hpp"

#include <algorithm>

namespace gh {

bool user_sinks::reserve(const std::string& user_id, std::size_t limit) {
  std::lock_guard guard{mutex_};
  if (count_locked(user_id) >= limit)
    return false;
  ++held_[user_id];
  return true;
}

void user_sinks::release(const std::string& user_id) {
  std::lock_guard guard{mutex_};
  release_locked(user_id);
}

void user_sinks::release_locked(const std::string& user_id) {
  auto it = held_.find(user_id);
  if (it == held_.end())
    return;
  if (--it->second == 0)
    held_.erase(it);
}

void user_sinks::attach(const std::string& user_id, const std::shared_ptr<connection_sink>& sink) {
  std::lock_guard guard{mutex_};
  release_locked(user_id);
  by_user_[user_id].push_back(sink);
}

void user_sinks::detach(const std::string& user_id, uint64_t connection_id) {
  std::lock_guard guard{mutex_};
  auto it = by_user_.find(user_id);
  if (it == by_user_.end())
    return;
  auto& list = it->second;
  std::erase_if(list, [connection_id](const std::weak_ptr<connection_sink>& weak) {
    auto sink = weak.lock();
    return !sink || sink->connection_id() == connection_id;
  });
  if (list.empty())
    by_user_.erase(it);
}

std::size_t user_sinks::push(const std::string& user_id, const std::string& frame) {
  std::vector<std::shared_ptr<connection_sink>> targets;
  {
    std::lock_guard guard{mutex_};
    auto it = by_user_.find(user_id);
    if (it == by_user_.end())
      return 0;
    auto& list = it->second;
    std::erase_if(list, [](const std::weak_ptr<connection_sink>& weak) { return weak.expired(); });
    for (auto& weak : list)
      if (auto sink = weak.lock())
        targets.push_back(std::move(sink));
    if (list.empty())
      by_user_.erase(it);
  }
  // Outside the lock: push only posts onto the connection's strand. One copy of the frame for
  // all of them.
  if (targets.empty())
    return 0;
  const auto shared = make_frame(frame);
  for (auto& sink : targets)
    sink->push(shared);
  return targets.size();
}

std::size_t user_sinks::connections(const std::string& user_id) const {
  std::lock_guard guard{mutex_};
  return count_locked(user_id);
}

std::size_t user_sinks::count_locked(const std::string& user_id) const {
  std::size_t count = 0;
  if (auto it = held_.find(user_id); it != held_.end())
    count += it->second;
  if (auto it = by_user_.find(user_id); it != by_user_.end())
    count += static_cast<std::size_t>(std::count_if(
        it->second.begin(), it->second.end(), [](const auto& weak) { return !weak.expired(); }));
  return count;
}

std::size_t user_sinks::users() const {
  std::lock_guard guard{mutex_};
  return by_user_.size();
}

void user_sinks::set_relay(
    std::function<void(const std::string& user_id, const std::string& frame)> relay) {
  relay_ = std::move(relay);
}

std::size_t user_sinks::push_everywhere(const std::string& user_id, const std::string& frame) {
  if (relay_)
    relay_(user_id, frame);
  return push(user_id, frame);
}

} // namespace gh
