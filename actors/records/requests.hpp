#pragma once

#include "actors/keyset_cursor.hpp"
#include "messages/decode.hpp"
#include "messages/gh_errc.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Decoders of the records API's untrusted input (API.md "Records"): collection names, bodies,
/// list queries and their cursors, `If-Match`. Plain functions, so unit tests and the fuzz
/// targets drive them without CAF.
namespace gh::records {

using field_errors = decode::field_errors;

/// Why a request is refused: the problem's code (`validation`, or `payload_too_large` for data
/// over its limit), its detail and the fields at fault.
struct refusal {
  gh_errc code = gh_errc::validation;
  std::string detail;
  field_errors errors;
};

template <class T>
using decoded = std::variant<T, refusal>;

/// Records a page holds by default, and at most.
inline constexpr int default_page = 20;
inline constexpr int max_page = 100;

/// A body of `POST` or `PATCH`: at most 1 MiB (the gateway's default body limit).
inline constexpr std::size_t max_body_bytes = std::size_t{1024} * 1024;

/// True for a collection name: `[a-z][a-z0-9_]{0,62}`.
bool is_collection_name(std::string_view name) noexcept;

/// `{data}` of `POST` (the record's data) or `PATCH` (a merge patch of it): `data` is a JSON
/// object within the data limits of `documents.hpp`; its compact JSON text for `POST`, the
/// parsed object for `PATCH`.
decoded<std::string> decode_new_record(std::string_view body);
decoded<boost::json::value> decode_patch(std::string_view body);

/// Where a page starts: after the record created at `created_us` (microseconds since the Unix
/// epoch) with id `id`, in newest-first order.
using cursor = keyset_cursor;

/// The opaque `next_cursor` of a page whose last record is `c`.
std::string encode_cursor(const cursor& c);

/// The cursor `text` encodes; nullopt for anything `encode_cursor` did not make.
std::optional<cursor> decode_cursor(std::string_view text);

/// `?limit&cursor&filter` of a listing.
struct list_query {
  int limit = default_page;
  std::optional<cursor> after;
  std::string filter; ///< JSON text for `data @> $n::jsonb`; empty: no filter
};

/// Decodes a listing's query string; a limit outside 1–100, a bad cursor or a bad filter is a
/// refusal naming it.
decoded<list_query> decode_list_query(std::string_view query);

/// An `If-Match` header: `*`, or the versions it lists as strong entity tags (`"3"`).
struct if_match {
  bool any = false;
  std::vector<int64_t> versions;

  /// True when a record at `version` satisfies the condition.
  bool holds(int64_t version) const noexcept;
};

/// Decodes an `If-Match` header value (RFC 9110 §13.1.1); weak tags and tags that are no version
/// are kept out of `versions` (they never match), malformed syntax is a refusal.
decoded<if_match> decode_if_match(std::string_view header);

/// The entity tag of a record at `version`: `"<version>"`.
std::string etag_of(int64_t version);

} // namespace gh::records
