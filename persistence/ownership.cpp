#include "persistence/ownership.hpp"

#include <array>

namespace gh {

namespace {

void escape_into(std::string& out, std::string_view part) {
  // A key's tokens may not be empty; a lone `_` (never the start of an escape) stands for "".
  if (part.empty()) {
    out.push_back('_');
    return;
  }
  static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
  for (char c : part) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                       (byte >= '0' && byte <= '9') || byte == '-';
    if (plain) {
      out.push_back(c);
    } else {
      out.push_back('_');
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0x0F]);
    }
  }
}

} // namespace

std::string lease_key(std::string_view kind, std::string_view user, std::string_view key) {
  std::string out;
  out.reserve(kind.size() + user.size() + key.size() + 2);
  escape_into(out, kind);
  out.push_back('.');
  escape_into(out, user);
  out.push_back('.');
  escape_into(out, key);
  return out;
}

} // namespace gh
