// Request bodies and WebSocket frames go through parse_untrusted_json: it either refuses the
// bytes or yields a value, within its depth and size limits, for any input.
#include "messages/json.hpp"

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = gh::parse_untrusted_json(text, gh::json_limits{64 * 1024, 16});
  if (auto* value = std::get_if<boost::json::value>(&parsed)) {
    // What we accept, we can write back, and it reads the same.
    auto round = gh::parse_untrusted_json(boost::json::serialize(*value));
    if (!std::holds_alternative<boost::json::value>(round))
      std::abort();
  }
  return 0;
}
