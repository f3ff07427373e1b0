#include "actors/services/admin_requests.hpp"

#include "actors/identity/crypto.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <map>

namespace gh::admin {

namespace json = boost::json;

namespace {

constexpr std::size_t max_body = std::size_t{16} * 1024;
constexpr std::size_t max_name_chars = 200;
constexpr std::size_t max_search_chars = 200;
constexpr std::size_t max_scopes = 16;
constexpr std::size_t max_cursor_chars = 128;

/// A field name fit to echo in a problem: printable ASCII, at most 64 characters.
std::string echoable(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 64))
    out += c >= 0x20 && c < 0x7f ? c : '?';
  return out.empty() ? std::string{"?"} : out;
}

/// Calls `visit` with each code point of `text`; false when `text` is not well-formed UTF-8
/// (overlong forms, surrogates and values past U+10FFFF included).
template <class Visit>
bool for_each_code_point(std::string_view text, Visit visit) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if ((b0 & 0xe0) == 0xc0) {
      len = 2;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
      len = 3;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
      len = 4;
      cp = b0 & 0x07;
      min = 0x10000;
    } else {
      return false;
    }
    if (len > text.size() - i)
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    visit(cp);
    i += len;
  }
  return true;
}

bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

} // namespace

std::optional<std::string> text_problem(std::string_view text, std::size_t max_chars) {
  std::size_t count = 0;
  bool control = false;
  if (!for_each_code_point(text, [&](char32_t cp) {
        ++count;
        control = control || is_control(cp);
      }))
    return "must be valid UTF-8";
  if (control)
    return "must not contain control characters";
  if (count > max_chars)
    return "must be at most " + std::to_string(max_chars) + " characters";
  return std::nullopt;
}

namespace {

std::string scope_list() {
  std::string out;
  for (const auto scope : known_scopes())
    out += (out.empty() ? "" : ", ") + std::string{scope};
  return out;
}

} // namespace

std::variant<json::object, field_errors>
object_of(std::string_view body, std::initializer_list<std::string_view> allowed) {
  auto parsed = parse_untrusted_json(body, json_limits{max_body, 8});
  if (auto* err = std::get_if<json_error>(&parsed))
    return field_errors{{"body", err->message}};
  auto& value = std::get<json::value>(parsed);
  if (!value.is_object())
    return field_errors{{"body", "the body must be a JSON object"}};
  field_errors errors;
  for (const auto& member : value.as_object()) {
    const std::string_view key = member.key();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      errors.push_back({echoable(key), "unknown field"});
  }
  if (!errors.empty())
    return errors;
  return std::move(value.as_object());
}

namespace {

/// Splits a query string into decoded name/value pairs, refusing names outside `allowed`,
/// repeated names and malformed percent-encoding.
std::map<std::string, std::string> query_params(std::string_view query,
                                                std::initializer_list<std::string_view> allowed,
                                                field_errors& errors) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty())
      continue;
    const auto eq = pair.find('=');
    const auto name = form_decode(pair.substr(0, eq));
    if (!name) {
      errors.push_back({echoable(pair.substr(0, eq)), "is not valid percent-encoding"});
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), *name) == allowed.end()) {
      errors.push_back({echoable(*name), "unknown parameter"});
      continue;
    }
    auto value =
        form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) {
      errors.push_back({*name, "is not valid percent-encoding"});
      continue;
    }
    if (!out.emplace(*name, std::move(*value)).second)
      errors.push_back({*name, "is given more than once"});
  }
  return out;
}

/// The `limit` parameter, when given: a whole number from 1 to `max_limit`.
int limit_param(const std::map<std::string, std::string>& params, field_errors& errors) {
  auto it = params.find("limit");
  if (it == params.end() || it->second.empty())
    return default_limit;
  const auto& text = it->second;
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.size() > 4 || ec != std::errc{} || ptr != end || value < 1 || value > max_limit) {
    errors.push_back({"limit", "must be a whole number from 1 to " + std::to_string(max_limit)});
    return default_limit;
  }
  return value;
}

/// Parses a decimal `int64_t` of at most `max_digits` digits (and an optional leading `-` when
/// `allow_negative`); nothing else.
std::optional<int64_t> parse_int(std::string_view text, std::size_t max_digits,
                                 bool allow_negative) {
  const bool negative = allow_negative && !text.empty() && text.front() == '-';
  const auto digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > max_digits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

/// The decoded text of an opaque cursor that must start with `tag`, or empty.
std::optional<std::string> cursor_payload(std::string_view text, std::string_view tag) {
  if (text.empty() || text.size() > max_cursor_chars)
    return std::nullopt;
  auto raw = crypto::base64url_decode(text);
  if (!raw || !raw->starts_with(tag))
    return std::nullopt;
  return raw->substr(tag.size());
}

} // namespace

const std::vector<std::string_view>& known_scopes() {
  static const std::vector<std::string_view> scopes{
      "keys", "users:read", "users:write", "audit:read", "plans:write", "payments:refund", "*"};
  return scopes;
}

bool is_known_scope(std::string_view scope) noexcept {
  const auto& all = known_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

bool grants(const std::vector<std::string>& held, std::string_view needed) noexcept {
  return std::any_of(held.begin(), held.end(),
                     [needed](const std::string& s) { return s == "*" || s == needed; });
}

bool covers(const std::vector<std::string>& held, const std::vector<std::string>& wanted) noexcept {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&held](const std::string& s) { return grants(held, s); });
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (const auto part = text.substr(0, comma); !part.empty())
      out.emplace_back(part);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

decoded<new_key_request> decode_new_key(std::string_view body) {
  auto parsed = object_of(body, {"name", "scopes"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  new_key_request r;

  const auto* name = o.if_contains("name");
  if (name == nullptr || name->is_null()) {
    errors.push_back({"name", "is required"});
  } else if (!name->is_string()) {
    errors.push_back({"name", "must be a string"});
  } else {
    const std::string_view text = name->as_string();
    if (auto problem = text_problem(text, max_name_chars))
      errors.push_back({"name", *problem});
    else if (text.find_first_not_of(' ') == std::string_view::npos)
      errors.push_back({"name", "must not be blank"});
    else
      r.name = std::string{text};
  }

  const auto* scopes = o.if_contains("scopes");
  if (scopes == nullptr || scopes->is_null()) {
    errors.push_back({"scopes", "is required"});
  } else if (!scopes->is_array()) {
    errors.push_back({"scopes", "must be an array of scope names"});
  } else if (scopes->as_array().empty()) {
    errors.push_back({"scopes", "must name at least one scope"});
  } else if (scopes->as_array().size() > max_scopes) {
    errors.push_back({"scopes", "must name at most " + std::to_string(max_scopes) + " scopes"});
  } else {
    bool ok = true;
    for (const auto& v : scopes->as_array()) {
      const auto* s = v.if_string();
      if (s == nullptr || !is_known_scope(*s)) {
        ok = false;
        break;
      }
      r.scopes.emplace_back(*s);
    }
    if (!ok) {
      errors.push_back({"scopes", "every element must be one of: " + scope_list()});
    } else {
      std::sort(r.scopes.begin(), r.scopes.end());
      r.scopes.erase(std::unique(r.scopes.begin(), r.scopes.end()), r.scopes.end());
    }
  }
  if (!errors.empty())
    return errors;
  return r;
}

std::string encode_user_cursor(const user_cursor& c) {
  return crypto::base64url_encode("u1." + std::to_string(c.created_us) + "." + c.id);
}

std::optional<user_cursor> decode_user_cursor(std::string_view text) {
  const auto payload = cursor_payload(text, "u1.");
  if (!payload)
    return std::nullopt;
  const auto dot = payload->find('.');
  if (dot == std::string::npos)
    return std::nullopt;
  const auto micros = parse_int(std::string_view{*payload}.substr(0, dot), 18, false);
  const auto id = payload->substr(dot + 1);
  // Only instants PostgreSQL can hold (1970 to the end of 9999): no cursor fails the query.
  constexpr int64_t end_of_9999_us = 253402300799999999;
  if (!micros || *micros > end_of_9999_us || !is_uuid(id))
    return std::nullopt;
  return user_cursor{*micros, id};
}

std::string encode_audit_cursor(int64_t id) {
  return crypto::base64url_encode("a1." + std::to_string(id));
}

std::optional<int64_t> decode_audit_cursor(std::string_view text) {
  const auto payload = cursor_payload(text, "a1.");
  if (!payload)
    return std::nullopt;
  const auto id = parse_int(*payload, 18, false);
  if (!id || *id < 1)
    return std::nullopt;
  return id;
}

decoded<user_query> decode_user_query(std::string_view query) {
  field_errors errors;
  const auto params = query_params(query, {"query", "cursor", "limit"}, errors);
  user_query q;
  if (auto it = params.find("query"); it != params.end()) {
    if (auto problem = text_problem(it->second, max_search_chars))
      errors.push_back({"query", *problem});
    else
      q.search = it->second;
  }
  if (auto it = params.find("cursor"); it != params.end() && !it->second.empty()) {
    q.after = decode_user_cursor(it->second);
    if (!q.after)
      errors.push_back({"cursor", "is not a cursor of this listing"});
  }
  q.limit = limit_param(params, errors);
  if (!errors.empty())
    return errors;
  return q;
}

decoded<audit_query> decode_audit_query(std::string_view query) {
  field_errors errors;
  const auto params = query_params(query, {"cursor", "limit"}, errors);
  audit_query q;
  if (auto it = params.find("cursor"); it != params.end() && !it->second.empty()) {
    q.before = decode_audit_cursor(it->second);
    if (!q.before)
      errors.push_back({"cursor", "is not a cursor of this listing"});
  }
  q.limit = limit_param(params, errors);
  if (!errors.empty())
    return errors;
  return q;
}

std::string like_pattern(std::string_view text) {
  std::string out = "%";
  for (const char c : text) {
    if (c == '\\' || c == '%' || c == '_')
      out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

std::optional<std::string> form_decode(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (text.size() - i < 3)
        return std::nullopt;
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view text) noexcept {
  return for_each_code_point(text, [](char32_t) {});
}

} // namespace gh::admin
