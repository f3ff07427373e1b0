#pragma once

// What the load clients in bench/ share: failing with a message and reading numeric flags.

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bench {

/// Ends the run with `message` (main prints it and exits 1).
[[noreturn]] inline void fail(const std::string& message) {
  throw std::runtime_error(message);
}

/// The value of `flag` as a whole number of at least `min`; fails otherwise.
inline long number_flag(std::string_view flag, const char* text, long min) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < min)
    fail(std::string{flag} + " needs a number >= " + std::to_string(min));
  return value;
}

} // namespace bench
