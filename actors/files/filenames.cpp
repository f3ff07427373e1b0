#include "actors/files/filenames.hpp"

#include "messages/decode.hpp"

#include <algorithm>

namespace gh::files {

namespace {

/// The length of the well-formed UTF-8 sequence at the start of `text`; 0 when it is not one.
std::size_t sequence_length(std::string_view text) {
  const auto b0 = static_cast<unsigned char>(text[0]);
  const std::size_t len = b0 < 0x80             ? 1
                          : (b0 & 0xe0) == 0xc0 ? 2
                          : (b0 & 0xf0) == 0xe0 ? 3
                          : (b0 & 0xf8) == 0xf0 ? 4
                                                : 0;
  if (len == 0 || len > text.size() || !decode::is_valid_utf8(text.substr(0, len)))
    return 0;
  return len;
}

/// True for what is dropped: C0 controls, DEL, C1 controls (U+0080–U+009F), U+061C, the
/// zero-width and directional marks U+200B–U+200F, the embeddings and overrides U+202A–U+202E,
/// U+2060–U+2069 (isolates among them) and U+FEFF, matched on their UTF-8 bytes.
bool dropped(std::string_view c) {
  const auto b = [&c](std::size_t i) { return static_cast<unsigned char>(c[i]); };
  switch (c.size()) {
  case 1:
    return b(0) < 0x20 || b(0) == 0x7f;
  case 2:
    return (b(0) == 0xc2 && b(1) <= 0x9f) || (b(0) == 0xd8 && b(1) == 0x9c);
  case 3:
    return (b(0) == 0xe2 && b(1) == 0x80 &&
            ((b(2) >= 0x8b && b(2) <= 0x8f) || (b(2) >= 0xaa && b(2) <= 0xae))) ||
           (b(0) == 0xe2 && b(1) == 0x81 && b(2) >= 0xa0 && b(2) <= 0xa9) ||
           (b(0) == 0xef && b(1) == 0xbb && b(2) == 0xbf);
  default:
    return false;
  }
}

bool replaced(char c) {
  return std::string_view{"/\\<>:\"|?*"}.find(c) != std::string_view::npos;
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

/// `text` without leading and trailing dots and spaces.
std::string_view trim_dots(std::string_view text) {
  const auto first = text.find_first_not_of(". ");
  if (first == std::string_view::npos)
    return {};
  return text.substr(first, text.find_last_not_of(". ") - first + 1);
}

} // namespace

std::string sanitize_filename(std::string_view name) {
  std::string out;
  out.reserve(std::min(name.size(), max_filename_bytes * 2));
  // Bounded work whatever arrives: nothing past four times the cap can survive the cut.
  name = name.substr(0, std::min(name.size(), max_filename_bytes * 4 + 4));
  while (!name.empty()) {
    const auto len = sequence_length(name);
    if (len == 0) {
      name.remove_prefix(1);
      continue;
    }
    const auto c = name.substr(0, len);
    if (len == 1 && replaced(c[0]))
      out.push_back('_');
    else if (!dropped(c))
      out.append(c);
    name.remove_prefix(len);
  }
  out = std::string{trim_dots(out)};
  if (out.size() <= max_filename_bytes)
    return out;
  // Too long: keep an extension of up to 16 bytes, cut the stem.
  const auto dot = out.rfind('.');
  if (dot != std::string::npos && dot > 0 && out.size() - dot <= 16) {
    const auto ext = out.substr(dot);
    return std::string{cut(out, max_filename_bytes - ext.size())} + ext;
  }
  return std::string{trim_dots(cut(out, max_filename_bytes))};
}

} // namespace gh::files
