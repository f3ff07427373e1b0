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

/// What is wrong with `text` as a person's name (a display name that mails and pages quote):
/// not UTF-8; control characters (line breaks, ESC, BEL, C1 controls), bidirectional controls
/// (overrides, embeddings, isolates, marks) or line and paragraph separators; blank after
/// trimming white space; no visible character (a letter, digit, punctuation mark or symbol);
/// more than `max_chars` code points. nullopt when nothing is.
std::optional<std::string> name_problem(std::string_view text, std::size_t max_chars);

/// `text` without leading and trailing Unicode white space; invalid UTF-8 is returned as it is.
std::string trim_space(std::string_view text);

/// `text` made safe for one line of a plain-text mail: every control character (CR and LF
/// included), bidirectional control and line or paragraph separator becomes a space, and
/// invalid UTF-8 becomes U+FFFD.
std::string one_line(std::string_view text);

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

/// The origin of an absolute http(s) `url` as browsers compare origins: `scheme://host[:port]`,
/// scheme and host lower-cased, a default port (80, 443) left out; empty when `url` is not an
/// absolute http(s) URL with a host and without user information.
std::optional<std::string> origin_of(std::string_view url);

/// Parses a decimal `int64_t` of at most `max_digits` digits (and an optional leading `-` when
/// `allow_negative`); nothing else.
std::optional<int64_t> parse_int(std::string_view text, std::size_t max_digits,
                                 bool allow_negative);

} // namespace gh::decode
