#include "gateway/ws_index.hpp"

namespace gh {

void ws_index::add(const std::string& id, uint64_t conn,
                   const std::shared_ptr<connection_sink>& sink) {
  if (id.empty())
    return;
  std::lock_guard lock{mutex_};
  by_id_[id][conn] = sink;
}

void ws_index::remove(const std::string& id, uint64_t conn) {
  if (id.empty())
    return;
  std::lock_guard lock{mutex_};
  auto it = by_id_.find(id);
  if (it == by_id_.end())
    return;
  it->second.erase(conn);
  if (it->second.empty())
    by_id_.erase(it);
}

std::size_t ws_index::close_all(const std::string& id, const std::string& reason) {
  std::vector<std::shared_ptr<connection_sink>> targets;
  {
    std::lock_guard lock{mutex_};
    auto it = by_id_.find(id);
    if (it == by_id_.end())
      return 0;
    for (const auto& [conn, weak] : it->second)
      if (auto sink = weak.lock())
        targets.push_back(std::move(sink));
  }
  for (const auto& sink : targets)
    sink->close(ws_close::policy_violation, reason);
  return targets.size();
}

std::size_t ws_index::size() const {
  std::lock_guard lock{mutex_};
  std::size_t n = 0;
  for (const auto& [id, conns] : by_id_)
    n += conns.size();
  return n;
}

} // namespace gh
