#pragma once

#include "config/settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::config {

/// One thing wrong with the configuration: the variable and what is wrong (never its value
/// when the variable is a secret).
struct config_error {
  std::string variable;
  std::string message;
};

/// Looks a variable up; empty optional when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Reads a whole file (for `<NAME>_FILE` secrets and key files); empty optional when unreadable.
using file_reader = std::function<std::optional<std::string>(const std::string& path)>;

/// The settings, or every problem found, all at once.
using load_result = std::variant<settings, std::vector<config_error>>;

/// Reads and validates every variable of API.md "Configuration" through `env`.
load_result load_settings(const env_lookup& env, const file_reader& read_file);

/// The process environment, with the variables of `dotenv_path` underneath it (the real
/// environment wins) unless `GATEHOUSE_ENV=production` is set in the real environment.
/// Problems reading the file are appended to `errors`.
env_lookup process_environment(const std::string& dotenv_path, std::vector<config_error>& errors);

/// Reads a file from disk.
std::optional<std::string> read_whole_file(const std::string& path);

/// Formats `errors` one per line, for the start-up failure message.
std::string describe(const std::vector<config_error>& errors);

} // namespace gh::config
