// `.env` files are read at start; malformed ones produce errors, never a crash.
#include "config/dotenv.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)gh::config::parse_dotenv({reinterpret_cast<const char*>(data), size});
  return 0;
}
