#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gh::files {

/// The longest stored filename, in bytes of UTF-8.
inline constexpr std::size_t max_filename_bytes = 255;

/// `name` made safe to store, list and offer as a download name: path separators (`/`, `\`)
/// and the characters Windows refuses (`<>:"|?*`) become `_`; control characters (C0, DEL,
/// C1), bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), zero-width
/// characters and U+FEFF are dropped, as is any byte that is not well-formed UTF-8; leading and
/// trailing spaces and dots go; the result is cut to `max_filename_bytes` on a character
/// boundary, keeping a short extension. Empty when nothing usable is left. Never part of a
/// storage key.
std::string sanitize_filename(std::string_view name);

} // namespace gh::files
