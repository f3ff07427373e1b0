#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <string_view>

namespace gh {

/// The external dependencies whose state `/readyz` reports.
enum class dependency : std::size_t { postgres = 0, redis = 1, nats = 2 };

/// Every dependency, in report order.
inline constexpr std::array<dependency, 3> all_dependencies{dependency::postgres, dependency::redis,
                                                            dependency::nats};

/// The name `/readyz` uses for `d`.
std::string_view dependency_name(dependency d) noexcept;

/// Up/down state of each dependency, written by the client that owns the connection (pool,
/// Redis client, NATS connection) and read by `/readyz` and `/metrics`. Lock-free.
class dependency_health {
public:
  void set(dependency d, bool up) noexcept {
    flags_[static_cast<std::size_t>(d)].store(up, std::memory_order_relaxed);
  }

  bool up(dependency d) const noexcept {
    return flags_[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
  }

  bool all_up() const noexcept {
    for (auto d : all_dependencies)
      if (!up(d))
        return false;
    return true;
  }

private:
  std::array<std::atomic<bool>, 3> flags_{};
};

} // namespace gh
