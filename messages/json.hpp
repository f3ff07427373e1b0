#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace gh {

/// Limits applied to every untrusted JSON document.
struct json_limits {
  std::size_t max_bytes = 1024 * 1024;
  std::size_t max_depth = 64;
};

/// Why an untrusted document was refused: a short reason fit for a problem `detail`.
struct json_error {
  std::string message;
};

/// Parses and fully validates untrusted JSON with simdjson (UTF-8 checked, depth and size
/// bounded) and returns it as a Boost.JSON value for the code that works with it.
std::variant<boost::json::value, json_error> parse_untrusted_json(std::string_view text,
                                                                  const json_limits& limits = {});

} // namespace gh
