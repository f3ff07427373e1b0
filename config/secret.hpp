#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace gh::config {

/// A value that must never reach a log or an error message: printing it shows `***`.
class secret {
public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The value itself, for the one place that hands it to a library.
  const std::string& reveal() const noexcept { return value_; }

  bool empty() const noexcept { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& out, const secret& x) {
    return out << (x.value_.empty() ? "" : "***");
  }

private:
  std::string value_;
};

} // namespace gh::config
