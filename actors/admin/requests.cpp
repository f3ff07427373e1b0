#include "actors/admin/requests.hpp"

#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <map>

namespace gh::admin {

namespace json = boost::json;
using decode::parse_int;
using decode::query_params;

namespace {

constexpr std::size_t max_name_chars = 200;
constexpr std::size_t max_search_chars = 200;
constexpr std::size_t max_scopes = 16;
constexpr std::size_t max_cursor_chars = 128;

std::string scope_list() {
  std::string out;
  for (const auto scope : known_scopes())
    out += (out.empty() ? "" : ", ") + std::string{scope};
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

} // namespace gh::admin
