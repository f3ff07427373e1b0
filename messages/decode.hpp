#pragma once

#include "messages/http.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Building blocks of every capability's request decoders: checked text, JSON objects with a
/// closed set of fields, query strings and numbers. Plain functions over untrusted bytes, so
/// unit tests and fuzz targets drive them directly.
namespace gh::decode {

using field_errors = std::vector<field_error>;

/// A field name fit to echo in a problem: printable ASCII, at most 64 characters.
std::string echoable(std::string_view name);

/// What is wrong with `text` as a stored name: not UTF-8, control characters, more than
/// `max_chars` code points; nullopt when nothing is.
std::optional<std::string> text_problem(std::string_view text, std::size_t max_chars);

/// `text` with ASCII letters lower-cased (names compared case-insensitively: commands, headers).
std::string ascii_lower(std::string_view text);

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past
/// U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Parses `body` (at most 16 KiB, nesting 8) into an object, refusing fields outside `allowed`.
std::variant<boost::json::object, field_errors>
object_of(std::string_view body, std::initializer_list<std::string_view> allowed);

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space); empty when a `%` is not
/// followed by two hex digits.
std::optional<std::string> form_decode(std::string_view text);

/// Splits a query string (without `?`) into decoded name/value pairs, refusing names outside
/// `allowed`, repeated names and malformed percent-encoding (each named in `errors`).
std::map<std::string, std::string> query_params(std::string_view query,
                                                std::initializer_list<std::string_view> allowed,
                                                field_errors& errors);

/// Parses a decimal `int64_t` of at most `max_digits` digits (and an optional leading `-` when
/// `allow_negative`); nothing else.
std::optional<int64_t> parse_int(std::string_view text, std::size_t max_digits,
                                 bool allow_negative);

} // namespace gh::decode
