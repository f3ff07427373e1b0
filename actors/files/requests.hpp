#pragma once

#include "actors/keyset_cursor.hpp"
#include "messages/decode.hpp"
#include "messages/http.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Decoders of the files API's untrusted input (the upload body, list queries, cursors) and the
/// media-type rules: plain functions, so unit tests and fuzz targets drive them without CAF.
namespace gh::files {

using field_errors = std::vector<field_error>;

template <class T>
using decoded = std::variant<T, field_errors>;

/// `{filename, content_type, size, sha256?}` of `POST /api/v1/files/upload`.
struct upload_request {
  std::string filename;     ///< sanitised, 1–255 bytes
  std::string content_type; ///< `type/subtype` lower case, parameters kept as sent
  int64_t size = 0;         ///< 0 to 2^53; the size limit is the caller's to check (413)
  std::string sha256;       ///< 64 lower-case hex digits, or empty when not declared
};

/// Decodes an upload request: unknown fields refused, every problem named.
decoded<upload_request> decode_upload(std::string_view body);

/// `type/subtype` of a media type (its parameters dropped), lower case; empty when `text` is not
/// `token/token` optionally followed by `; name=value` parameters (RFC 9110 tokens, at most 255
/// bytes in all).
std::string media_type(std::string_view text);

/// True when `allowed` (FILES_ALLOWED_TYPES: `type/subtype` and `type/*`, lower case) lets
/// `type` (`type/subtype`, lower case) in; an empty list allows every type.
bool type_allowed(std::string_view type, const std::vector<std::string>& allowed);

/// A position in a files listing, newest first: after (created_at, id).
using file_cursor = keyset_cursor;

/// The opaque text of `c` (base64url).
std::string encode_cursor(const file_cursor& c);

/// Reverses `encode_cursor`; empty for anything it did not produce.
std::optional<file_cursor> decode_cursor(std::string_view text);

/// Items per page when `limit` is not given, and the most a page may hold.
inline constexpr int default_limit = 50;
inline constexpr int max_limit = 200;

/// `?cursor&limit` (and, for operators, `user_id`) of the listings.
struct list_query {
  std::optional<file_cursor> after;
  int limit = default_limit;
  std::string user_id; ///< operators only; empty lists every user's files
};

/// Decodes a listing's query string; `with_user` accepts `user_id` (a UUID).
decoded<list_query> decode_list_query(std::string_view query, bool with_user);

} // namespace gh::files
