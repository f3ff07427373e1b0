#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh {

/// A position in a newest-first listing: after the row created at `created_us` (microseconds
/// since the Unix epoch) with the UUID `id`. Files, records and webhook listings page by it.
struct keyset_cursor {
  int64_t created_us = 0;
  std::string id;
};

/// The opaque text of `c` for the listing whose prefix is `tag` (such as `r1.`): base64url of
/// `<tag><created_us>.<id>`.
std::string encode_keyset_cursor(std::string_view tag, const keyset_cursor& c);

/// Reverses `encode_keyset_cursor` for `tag`; nullopt for anything it did not make, longer than
/// `max_chars`, or naming an instant PostgreSQL cannot hold, so no cursor can fail a query.
std::optional<keyset_cursor> decode_keyset_cursor(std::string_view tag, std::string_view text,
                                                  std::size_t max_chars);

} // namespace gh
