#pragma once

#include "config/settings.hpp"

#include <boost/json/value.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace gh::log {

/// One structured field of a log line.
struct field {
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const std::string& v) : key(k), value(std::string_view{v}) {}
  field(std::string_view k, const char* v) : key(k), value(std::string_view{v}) {}
  field(std::string_view k, boost::json::value v) : key(k), value(std::move(v)) {}
  template <class T>
  requires std::is_arithmetic_v<T> field(std::string_view k, T v) : key(k), value(v) {}

  std::string_view key;
  boost::json::value value;
};

/// Sets level and format (JSON lines or text) for the whole process; call once at start.
void configure(config::log_level level, config::log_format format);

/// True when lines of `level` are written.
bool enabled(config::log_level level) noexcept;

/// Writes one line to stderr: time, level, message and fields. Never pass a secret in a field.
void write(config::log_level level, std::string_view message, std::initializer_list<field> fields);

/// Writes the access-log line of one HTTP request (`msg` "http", level info) as `write` would,
/// formatted straight into a per-thread buffer: the line every request pays for. `upstream`
/// names the internal service a proxied request went to (left out when empty).
void access(std::string_view request_id, std::string_view method, std::string_view path, int status,
            double duration_ms, std::string_view remote, std::string_view upstream = {});

/// Writes buffered lines now (also done every 200 ms and for every error line).
void flush();

inline void debug(std::string_view message, std::initializer_list<field> fields = {}) {
  write(config::log_level::debug, message, fields);
}
inline void info(std::string_view message, std::initializer_list<field> fields = {}) {
  write(config::log_level::info, message, fields);
}
inline void warn(std::string_view message, std::initializer_list<field> fields = {}) {
  write(config::log_level::warn, message, fields);
}
inline void error(std::string_view message, std::initializer_list<field> fields = {}) {
  write(config::log_level::error, message, fields);
}

} // namespace gh::log
