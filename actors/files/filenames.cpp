#include "actors/files/filenames.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

namespace gh::files {

namespace {

/// The code point at the start of `text` and its length in bytes; nullopt for a malformed,
/// overlong or surrogate sequence.
std::optional<std::pair<char32_t, std::size_t>> next_code_point(std::string_view text) {
  const auto b0 = static_cast<unsigned char>(text[0]);
  if (b0 < 0x80)
    return std::pair{char32_t{b0}, std::size_t{1}};
  std::size_t len = 0;
  char32_t cp = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return std::nullopt;
  }
  if (text.size() < len)
    return std::nullopt;
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b & 0xc0) != 0x80)
      return std::nullopt;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr char32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return std::nullopt;
  return std::pair{cp, len};
}

bool dropped(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
         (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

bool replaced(char32_t cp) {
  switch (cp) {
  case '/':
  case '\\':
  case '<':
  case '>':
  case ':':
  case '"':
  case '|':
  case '?':
  case '*':
    return true;
  default:
    return false;
  }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
std::string_view cut(std::string_view text, std::size_t max) {
  if (text.size() <= max)
    return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
    --end;
  return text.substr(0, end);
}

} // namespace

std::string sanitize_filename(std::string_view name) {
  std::string out;
  out.reserve(std::min(name.size(), max_filename_bytes * 2));
  // Bounded work whatever arrives: nothing past four times the cap can survive the cut.
  name = name.substr(0, std::min(name.size(), max_filename_bytes * 4 + 4));
  while (!name.empty()) {
    const auto cp = next_code_point(name);
    if (!cp) {
      name.remove_prefix(1);
      continue;
    }
    const auto [code, len] = *cp;
    if (replaced(code))
      out.push_back('_');
    else if (!dropped(code))
      out.append(name.substr(0, len));
    name.remove_prefix(len);
  }
  const auto first = out.find_first_not_of(". ");
  if (first == std::string::npos)
    return {};
  const auto last = out.find_last_not_of(". ");
  out = out.substr(first, last - first + 1);
  if (out.size() <= max_filename_bytes)
    return out;
  // Too long: keep an extension of up to 16 bytes, cut the stem.
  const auto dot = out.rfind('.');
  if (dot != std::string::npos && dot > 0 && out.size() - dot <= 16) {
    const auto ext = out.substr(dot);
    return std::string{cut(out, max_filename_bytes - ext.size())} + ext;
  }
  return std::string{cut(out, max_filename_bytes)};
}

} // namespace gh::files
