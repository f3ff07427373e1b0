#pragma once

#include "messages/gh_errc.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

/// The JSON a record holds and the filters that find it: what PostgreSQL's `jsonb` can store,
/// within the record limits of API.md "Records". Plain functions over untrusted values, driven
/// directly by unit tests and the filter fuzz target.
namespace gh::records {

/// A record's data as compact UTF-8 JSON: at most 64 KiB (413 above).
inline constexpr std::size_t max_data_bytes = std::size_t{64} * 1024;

/// Nesting levels of a record's data, the data object itself being the first (400 above).
inline constexpr std::size_t max_data_depth = 32;

/// A `filter` parameter's JSON text, once URL-decoded.
inline constexpr std::size_t max_filter_bytes = 4096;

/// Nesting levels of a filter object.
inline constexpr std::size_t max_filter_depth = 16;

/// Why a document cannot be used: `payload_too_large` or `validation`, and what to tell.
struct document_problem {
  gh_errc code = gh_errc::validation;
  std::string message;
};

/// What keeps `value` out of a `jsonb` column or past `max_depth` nesting levels: a `\u0000`
/// in a string or a key (`jsonb` refuses it), or deeper nesting; nullopt when nothing does.
std::optional<std::string> storable_problem(const boost::json::value& value, std::size_t max_depth);

/// `data` as the compact JSON text stored for a record: a JSON object that is storable, at most
/// `max_data_depth` deep and `max_data_bytes` long.
std::variant<std::string, document_problem> encode_data(const boost::json::value& data);

/// Compiles the URL-decoded `filter` parameter into the JSON text bound to `data @> $n::jsonb`:
/// a JSON object (containment as PostgreSQL defines it), storable, at most `max_filter_bytes`
/// and `max_filter_depth` deep. The text is only ever a parameter, never part of the SQL.
std::variant<std::string, document_problem> compile_filter(std::string_view text);

} // namespace gh::records
