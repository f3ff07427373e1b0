#include "actors/webhooks/requests.hpp"

#include "actors/webhooks/event_patterns.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace gh::webhooks {

namespace json = boost::json;
using decode::object_of;
using decode::parse_int;
using decode::query_params;
using decode::text_problem;

namespace {

constexpr int max_limit = 200;
constexpr std::size_t max_cursor_chars = 200;
constexpr std::string_view cursor_tag = "w1.";

std::optional<std::string> url_of(const json::value& v, const url_policy& policy,
                                  std::optional<endpoint_url>& parsed, field_errors& errors) {
  if (!v.is_string()) {
    errors.push_back({"url", "must be a string"});
    return std::nullopt;
  }
  std::string text{v.get_string()};
  auto result = parse_endpoint_url(text, policy);
  if (auto* problem = std::get_if<std::string>(&result)) {
    errors.push_back({"url", *problem});
    return std::nullopt;
  }
  parsed = std::get<endpoint_url>(std::move(result));
  return text;
}

std::optional<std::vector<std::string>> events_of(const json::value& v, field_errors& errors) {
  if (!v.is_array() || v.get_array().empty() || v.get_array().size() > max_patterns) {
    errors.push_back({"events", "must be an array of 1 to " + std::to_string(max_patterns) +
                                    " event types or patterns"});
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) {
      errors.push_back({"events", "must hold strings only"});
      return std::nullopt;
    }
    const std::string_view pattern{item.get_string()};
    if (auto problem = pattern_problem(pattern)) {
      errors.push_back({"events", "'" + decode::echoable(pattern.substr(0, 64)) + "' " + *problem});
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), pattern) == out.end())
      out.emplace_back(pattern);
  }
  return out;
}

std::optional<std::string> description_of(const json::value& v, field_errors& errors) {
  if (v.is_null())
    return std::string{};
  if (!v.is_string()) {
    errors.push_back({"description", "must be a string"});
    return std::nullopt;
  }
  const std::string_view text{v.get_string()};
  if (auto problem = text_problem(text, max_description_chars)) {
    errors.push_back({"description", *problem});
    return std::nullopt;
  }
  return std::string{text};
}

int limit_of(const std::map<std::string, std::string>& params, field_errors& errors) {
  const auto it = params.find("limit");
  if (it == params.end() || it->second.empty())
    return 50;
  const auto value = parse_int(it->second, 4, false);
  if (!value || *value < 1 || *value > max_limit) {
    errors.push_back({"limit", "must be a whole number from 1 to " + std::to_string(max_limit)});
    return 50;
  }
  return static_cast<int>(*value);
}

std::optional<page_cursor> cursor_of(const std::map<std::string, std::string>& params,
                                     field_errors& errors) {
  const auto it = params.find("cursor");
  if (it == params.end() || it->second.empty())
    return std::nullopt;
  auto c = decode_cursor(it->second);
  if (!c)
    errors.push_back({"cursor", "is not a cursor of this listing"});
  return c;
}

} // namespace

decoded<new_endpoint> decode_new_endpoint(std::string_view body, const url_policy& policy) {
  auto parsed = object_of(body, {"url", "events", "description"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  new_endpoint out;
  if (const auto* v = o.if_contains("url")) {
    std::optional<endpoint_url> url;
    if (auto text = url_of(*v, policy, url, errors)) {
      out.url = std::move(*text);
      out.parsed = std::move(*url);
    }
  } else {
    errors.push_back({"url", "is required"});
  }
  if (const auto* v = o.if_contains("events")) {
    if (auto events = events_of(*v, errors))
      out.events = std::move(*events);
  } else {
    errors.push_back({"events", "is required"});
  }
  if (const auto* v = o.if_contains("description")) {
    if (auto text = description_of(*v, errors); text && !text->empty())
      out.description = std::move(*text);
  }
  if (!errors.empty())
    return errors;
  return out;
}

decoded<endpoint_patch> decode_endpoint_patch(std::string_view body, const url_policy& policy) {
  auto parsed = object_of(body, {"url", "events", "enabled", "description"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  endpoint_patch out;
  if (const auto* v = o.if_contains("url"))
    out.url = url_of(*v, policy, out.parsed, errors);
  if (const auto* v = o.if_contains("events"))
    out.events = events_of(*v, errors);
  if (const auto* v = o.if_contains("enabled")) {
    if (v->is_bool())
      out.enabled = v->get_bool();
    else
      errors.push_back({"enabled", "must be true or false"});
  }
  if (const auto* v = o.if_contains("description"))
    out.description = description_of(*v, errors);
  if (errors.empty() && !out.url && !out.events && !out.enabled && !out.description)
    errors.push_back({"", "name at least one of url, events, enabled, description"});
  if (!errors.empty())
    return errors;
  return out;
}

std::string encode_cursor(const page_cursor& c) {
  return encode_keyset_cursor(cursor_tag, c);
}

std::optional<page_cursor> decode_cursor(std::string_view text) {
  return decode_keyset_cursor(cursor_tag, text, max_cursor_chars);
}

decoded<list_query> decode_endpoint_list(std::string_view query) {
  field_errors errors;
  const auto params = query_params(query, {"cursor", "limit"}, errors);
  list_query q;
  q.after = cursor_of(params, errors);
  q.limit = limit_of(params, errors);
  if (!errors.empty())
    return errors;
  return q;
}

decoded<list_query> decode_delivery_list(std::string_view query) {
  field_errors errors;
  const auto params = query_params(query, {"cursor", "limit", "status"}, errors);
  list_query q;
  q.after = cursor_of(params, errors);
  q.limit = limit_of(params, errors);
  if (const auto it = params.find("status"); it != params.end() && !it->second.empty()) {
    if (it->second == "pending" || it->second == "succeeded" || it->second == "failed")
      q.status = it->second;
    else
      errors.push_back({"status", "must be pending, succeeded or failed"});
  }
  if (!errors.empty())
    return errors;
  return q;
}

} // namespace gh::webhooks
