#include "actors/records/requests.hpp"

#include "actors/records/documents.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>

namespace gh::records {

namespace json = boost::json;

namespace {

constexpr std::string_view cursor_tag = "r1.";
constexpr std::size_t max_cursor_chars = 128;
constexpr std::size_t max_if_match_chars = 1024;

/// The `data` member of a `{data}` body, checked to be an object. The parse stops a level past
/// the data's limit (the body's own level, and one for `encode_data` to name exactly).
decoded<json::value> data_member(std::string_view body) {
  if (body.size() > max_body_bytes)
    return refusal{gh_errc::payload_too_large, "the body is too large", {}};
  auto parsed = parse_untrusted_json(body, json_limits{max_body_bytes, max_data_depth + 2});
  if (auto* err = std::get_if<json_error>(&parsed)) {
    // The gateway let only well-formed JSON through: what fails here is the nesting.
    return refusal{gh_errc::validation,
                   "the record is invalid",
                   {{"data", "must nest at most " + std::to_string(max_data_depth) + " levels (" +
                                 err->message + ")"}}};
  }
  auto& value = std::get<json::value>(parsed);
  if (!value.is_object())
    return refusal{
        gh_errc::validation, "the body must be a JSON object", {{"body", "not an object"}}};
  field_errors errors;
  for (const auto& member : value.get_object())
    if (member.key() != "data")
      errors.push_back({decode::echoable(member.key()), "unknown field"});
  auto* data = value.get_object().if_contains("data");
  if (data == nullptr)
    errors.push_back({"data", "is required"});
  else if (!data->is_object())
    errors.push_back({"data", "must be a JSON object"});
  if (!errors.empty())
    return refusal{gh_errc::validation, "the record is invalid", std::move(errors)};
  return std::move(*data);
}

decoded<std::string> encoded(const json::value& data) {
  auto text = encode_data(data);
  if (auto* problem = std::get_if<document_problem>(&text))
    return refusal{problem->code,
                   problem->code == gh_errc::payload_too_large ? "the record's data is too large"
                                                               : "the record is invalid",
                   {{"data", problem->message}}};
  return std::get<std::string>(std::move(text));
}

} // namespace

bool is_collection_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63 || name.front() < 'a' || name.front() > 'z')
    return false;
  return std::ranges::all_of(
      name, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

decoded<std::string> decode_new_record(std::string_view body) {
  auto data = data_member(body);
  if (auto* r = std::get_if<refusal>(&data))
    return std::move(*r);
  return encoded(std::get<json::value>(data));
}

decoded<json::value> decode_patch(std::string_view body) {
  auto data = data_member(body);
  if (auto* r = std::get_if<refusal>(&data))
    return std::move(*r);
  auto& patch = std::get<json::value>(data);
  // The patch itself obeys the data's limits; the merged result is checked again.
  if (auto checked = encoded(patch); std::holds_alternative<refusal>(checked))
    return std::get<refusal>(std::move(checked));
  return std::move(patch);
}

std::string encode_cursor(const cursor& c) {
  return encode_keyset_cursor(cursor_tag, c);
}

std::optional<cursor> decode_cursor(std::string_view text) {
  return decode_keyset_cursor(cursor_tag, text, max_cursor_chars);
}

decoded<list_query> decode_list_query(std::string_view query) {
  field_errors errors;
  const auto params = decode::query_params(query, {"limit", "cursor", "filter"}, errors);
  list_query q;
  if (auto it = params.find("limit"); it != params.end()) {
    const auto n = decode::parse_int(it->second, 3, false);
    if (!n || *n < 1 || *n > max_page)
      errors.push_back({"limit", "must be a whole number from 1 to " + std::to_string(max_page)});
    else
      q.limit = static_cast<int>(*n);
  }
  if (auto it = params.find("cursor"); it != params.end() && !it->second.empty()) {
    q.after = decode_cursor(it->second);
    if (!q.after)
      errors.push_back({"cursor", "is not a cursor this listing returned"});
  }
  if (auto it = params.find("filter"); it != params.end() && !it->second.empty()) {
    auto compiled = compile_filter(it->second);
    if (auto* problem = std::get_if<document_problem>(&compiled))
      errors.push_back({"filter", problem->message});
    else
      q.filter = std::get<std::string>(std::move(compiled));
  }
  if (!errors.empty())
    return refusal{gh_errc::validation, "the listing parameters are invalid", std::move(errors)};
  return q;
}

bool if_match::holds(int64_t version) const noexcept {
  return any || std::ranges::find(versions, version) != versions.end();
}

decoded<if_match> decode_if_match(std::string_view header) {
  const auto bad = [] {
    return refusal{gh_errc::validation,
                   "If-Match must be * or a list of entity tags such as \"3\"",
                   {{"If-Match", "is malformed"}}};
  };
  if (header.size() > max_if_match_chars)
    return bad();
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  };
  if_match out;
  if (trim(header) == "*") {
    out.any = true;
    return out;
  }
  bool seen = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto tag = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (tag.empty())
      continue; // RFC 9110 §5.6.1: empty list elements are ignored
    const bool weak = tag.starts_with("W/");
    if (weak)
      tag.remove_prefix(2);
    if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"')
      return bad();
    const auto opaque = tag.substr(1, tag.size() - 2);
    for (const char c : opaque) {
      const auto u = static_cast<unsigned char>(c);
      // etagc = %x21 / %x23-7E / obs-text
      if (u < 0x21 || u == 0x22 || u == 0x7f)
        return bad();
    }
    seen = true;
    if (weak)
      continue; // a weak tag never matches under If-Match's strong comparison
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(opaque.data(), opaque.data() + opaque.size(), v);
    if (ec == std::errc{} && end == opaque.data() + opaque.size() && v >= 1 &&
        !opaque.starts_with('0'))
      out.versions.push_back(v);
  }
  if (!seen)
    return bad();
  return out;
}

std::string etag_of(int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

} // namespace gh::records
