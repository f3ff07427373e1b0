#pragma once

#include "config/loader.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::config {

/// Collects problems while the settings are read, so all of them are reported together.
class reader {
public:
  reader(const env_lookup& env, const file_reader& read_file) : env_(env), read_file_(read_file) {}

  /// The problems found so far.
  std::vector<config_error>& errors() { return errors_; }

  /// Records that `variable` is wrong and why.
  void fail(std::string_view variable, std::string message) {
    errors_.push_back({std::string{variable}, std::move(message)});
  }

  /// A plain variable; empty optional when unset or empty.
  std::optional<std::string> get(std::string_view name) {
    auto value = env_(name);
    if (value && value->empty())
      return std::nullopt;
    if (value && value->find('\0') != std::string::npos) {
      fail(name, "contains a NUL byte");
      return std::nullopt;
    }
    return value;
  }

  /// A secret: `NAME` or the contents of the file named by `NAME_FILE` (not both).
  std::optional<secret> get_secret(std::string_view name) {
    const std::string file_var = std::string{name} + "_FILE";
    auto direct = get(name);
    auto path = get(file_var);
    if (direct && path) {
      fail(name, "set both " + std::string{name} + " and " + file_var + "; choose one");
      return std::nullopt;
    }
    if (path) {
      auto contents = read_file_(*path);
      if (!contents) {
        fail(file_var, "cannot read the file '" + *path + "'");
        return std::nullopt;
      }
      while (!contents->empty() && (contents->back() == '\n' || contents->back() == '\r'))
        contents->pop_back();
      if (contents->empty()) {
        fail(file_var, "the file '" + *path + "' is empty");
        return std::nullopt;
      }
      return secret{std::move(*contents)};
    }
    if (direct)
      return secret{std::move(*direct)};
    return std::nullopt;
  }

  /// A whole number between `min` and `max` into `out`; `out` is kept when unset.
  template <class T>
  void number(std::string_view name, T& out, T min, T max) {
    auto value = get(name);
    if (!value)
      return;
    T parsed{};
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
    if (ec != std::errc{} || end != value->data() + value->size()) {
      fail(name, "'" + *value + "' is not a whole number");
      return;
    }
    if (parsed < min || parsed > max) {
      fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return;
    }
    out = parsed;
  }

  /// A duration: a whole number with an optional unit `ms`, `s` (default), `m` or `h`.
  void duration(std::string_view name, std::chrono::milliseconds& out,
                std::chrono::milliseconds min, std::chrono::milliseconds max) {
    auto value = get(name);
    if (!value)
      return;
    long long amount = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), amount);
    std::string_view unit{end, static_cast<std::size_t>(value->data() + value->size() - end)};
    long long factor = 0;
    if (unit.empty() || unit == "s")
      factor = 1000;
    else if (unit == "ms")
      factor = 1;
    else if (unit == "m")
      factor = 60000;
    else if (unit == "h")
      factor = 3600000;
    if (ec != std::errc{} || factor == 0 || amount < 0 || amount > 1000000000LL) {
      fail(name, "'" + *value + "' is not a duration (e.g. 30s, 500ms, 5m)");
      return;
    }
    std::chrono::milliseconds parsed{amount * factor};
    if (parsed < min || parsed > max) {
      fail(name, "must be between " + std::to_string(min.count()) + "ms and " +
                     std::to_string(max.count()) + "ms");
      return;
    }
    out = parsed;
  }

  /// Reads files named by settings.
  const file_reader& files() const { return read_file_; }

private:
  const env_lookup& env_;
  const file_reader& read_file_;
  std::vector<config_error> errors_;
};

/// The non-empty items of a comma list, blanks around each removed.
inline std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (!item.empty())
      out.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

} // namespace gh::config
