#include "gateway/request_id.hpp"

#include <array>
#include <cctype>
#include <random>

namespace gh {

bool is_sane_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
                    c == ':' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

std::string new_request_id() {
  // Request ids need uniqueness, not secrecy: a per-thread generator seeded once.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string id(32, '0');
  for (std::size_t half = 0; half < 2; ++half) {
    auto bits = rng();
    for (std::size_t i = 0; i < 16; ++i, bits >>= 4)
      id[half * 16 + i] = hex[bits & 0xF];
  }
  return id;
}

} // namespace gh
