#pragma once

#include "messages/ws.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace gh {

/// The open WebSockets by the session (refresh family) and the access token (`jti`) they were
/// opened or last re-authenticated with, so that revoking either closes them at once
/// (1008). Thread-safe; holds connections weakly.
class ws_index {
public:
  /// Files connection `conn` (its `sink`) under `id`.
  void add(const std::string& id, uint64_t conn, const std::shared_ptr<connection_sink>& sink);

  /// Removes connection `conn` from under `id`.
  void remove(const std::string& id, uint64_t conn);

  /// Closes every connection filed under `id` with 1008 and `reason`; how many.
  std::size_t close_all(const std::string& id, const std::string& reason);

  /// Connections filed, all ids together.
  std::size_t size() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_map<uint64_t, std::weak_ptr<connection_sink>>>
      by_id_;
};

} // namespace gh
