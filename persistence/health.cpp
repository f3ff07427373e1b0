#include "persistence/health.hpp"

namespace gh {

std::string_view dependency_name(dependency d) noexcept {
  switch (d) {
  case dependency::postgres:
    return "postgres";
  case dependency::redis:
    return "redis";
  case dependency::nats:
    return "nats";
  }
  return "unknown";
}

} // namespace gh
