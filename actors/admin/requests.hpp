#pragma once

#include "actors/key_scopes.hpp"
#include "messages/decode.hpp"
#include "messages/http.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Decoders of the admin API's untrusted input (JSON bodies, query strings, cursors): plain
/// functions, so unit tests and fuzz targets drive them without CAF.
namespace gh::admin {

using field_errors = std::vector<field_error>;

template <class T>
using decoded = std::variant<T, field_errors>;

// The shared decoding helpers and the scope rules, under the names the admin code and its
// tests use.
using api_keys::covers;
using api_keys::grants;
using api_keys::is_known_scope;
using api_keys::known_scopes;
using api_keys::split_scopes;
using decode::form_decode;
using decode::is_valid_utf8;
using decode::object_of;
using decode::text_problem;

/// `{name, scopes}` of `POST /api/v1/admin/api-keys`.
struct new_key_request {
  std::string name;                ///< 1–200 characters, no control characters, not blank
  std::vector<std::string> scopes; ///< known scopes, sorted, without duplicates, not empty
};

/// Decodes the body of a key creation: unknown fields refused, every problem named.
decoded<new_key_request> decode_new_key(std::string_view body);

/// A position in the user listing, ordered by (created_at, id).
struct user_cursor {
  int64_t created_us = 0; ///< `created_at` in microseconds since the Unix epoch
  std::string id;         ///< the user id (a UUID)
};

/// The opaque text of `c` (base64url).
std::string encode_user_cursor(const user_cursor& c);

/// Reverses `encode_user_cursor`; empty for anything it did not produce.
std::optional<user_cursor> decode_user_cursor(std::string_view text);

/// The opaque text of a position in the audit listing (after the row `id`, newest first).
std::string encode_audit_cursor(int64_t id);

/// Reverses `encode_audit_cursor`; empty for anything it did not produce.
std::optional<int64_t> decode_audit_cursor(std::string_view text);

/// Page size of the listings when none is given, and the largest one allowed.
constexpr int default_limit = 50;
constexpr int max_limit = 200;

/// `?query=&cursor=&limit=` of `GET /api/v1/admin/users`.
struct user_query {
  std::string search; ///< substring of email, phone or name; empty matches everyone
  std::optional<user_cursor> after;
  int limit = default_limit;
};

/// Decodes the query string (without `?`) of the user listing.
decoded<user_query> decode_user_query(std::string_view query);

/// `?cursor=&limit=` of `GET /api/v1/admin/audit`.
struct audit_query {
  std::optional<int64_t> before; ///< rows with a smaller id only
  int limit = default_limit;
};

/// Decodes the query string (without `?`) of the audit listing.
decoded<audit_query> decode_audit_query(std::string_view query);

/// `text` as an `ILIKE ... ESCAPE '\'` pattern matching it as a substring: `\`, `%` and `_`
/// escaped, `%` around it. The result is passed as a parameter, never spliced into SQL.
std::string like_pattern(std::string_view text);

} // namespace gh::admin
