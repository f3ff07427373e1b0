#pragma once

// Loads settings from a map standing for the environment, as the config tests do: the three
// required URLs are filled in unless the map sets them.

#include "config/loader.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gh::config::test {

using env_vars = std::map<std::string, std::string, std::less<>>;
using secret_files = std::map<std::string, std::string, std::less<>>;

inline load_result load(env_vars env, const secret_files& files = {}) {
  env.emplace("DATABASE_URL", "postgresql://gatehouse:pw@127.0.0.1:5432/gatehouse");
  env.emplace("REDIS_URL", "redis://127.0.0.1:6379/0");
  env.emplace("NATS_URL", "nats://127.0.0.1:4222");
  return load_settings(
      [&env](std::string_view name) -> std::optional<std::string> {
        if (auto it = env.find(name); it != env.end())
          return it->second;
        return std::nullopt;
      },
      [&files](const std::string& path) -> std::optional<std::string> {
        if (auto it = files.find(path); it != files.end())
          return it->second;
        return std::nullopt;
      });
}

/// The variables a failed load names, in order.
inline std::vector<std::string> failing(const load_result& r) {
  std::vector<std::string> out;
  if (const auto* errors = std::get_if<std::vector<config_error>>(&r))
    for (const auto& e : *errors)
      out.push_back(e.variable);
  return out;
}

inline bool fails(const load_result& r, std::string_view variable) {
  const auto vars = failing(r);
  return std::find(vars.begin(), vars.end(), variable) != vars.end();
}

} // namespace gh::config::test
