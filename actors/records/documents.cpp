#include "actors/records/documents.hpp"

#include "messages/json.hpp"

#include <boost/json/serialize.hpp>

namespace gh::records {

namespace json = boost::json;

namespace {

/// Walks `v` at nesting level `depth` (an array or object counts as one level); false at the
/// first NUL character or level past `max_depth`, with the reason in `why`.
bool walk(const json::value& v, std::size_t depth, std::size_t max_depth, std::string& why) {
  const auto has_nul = [](std::string_view s) { return s.find('\0') != std::string_view::npos; };
  switch (v.kind()) {
  case json::kind::string:
    if (has_nul(v.get_string())) {
      why = "must not contain the character U+0000";
      return false;
    }
    return true;
  case json::kind::array:
    if (depth + 1 > max_depth) {
      why = "must nest at most " + std::to_string(max_depth) + " levels";
      return false;
    }
    for (const auto& item : v.get_array())
      if (!walk(item, depth + 1, max_depth, why))
        return false;
    return true;
  case json::kind::object:
    if (depth + 1 > max_depth) {
      why = "must nest at most " + std::to_string(max_depth) + " levels";
      return false;
    }
    for (const auto& member : v.get_object()) {
      if (has_nul(member.key())) {
        why = "must not contain the character U+0000";
        return false;
      }
      if (!walk(member.value(), depth + 1, max_depth, why))
        return false;
    }
    return true;
  default:
    return true;
  }
}

} // namespace

std::optional<std::string> storable_problem(const json::value& value, std::size_t max_depth) {
  std::string why;
  if (!walk(value, 0, max_depth, why))
    return why;
  return std::nullopt;
}

std::variant<std::string, document_problem> encode_data(const json::value& data) {
  if (!data.is_object())
    return document_problem{gh_errc::validation, "must be a JSON object"};
  if (auto why = storable_problem(data, max_data_depth))
    return document_problem{gh_errc::validation, std::move(*why)};
  auto text = json::serialize(data);
  if (text.size() > max_data_bytes)
    return document_problem{gh_errc::payload_too_large,
                            "must be at most " + std::to_string(max_data_bytes) + " bytes as JSON"};
  return text;
}

std::variant<std::string, document_problem> compile_filter(std::string_view text) {
  if (text.size() > max_filter_bytes)
    return document_problem{gh_errc::validation,
                            "must be at most " + std::to_string(max_filter_bytes) + " bytes"};
  auto parsed = parse_untrusted_json(text, json_limits{max_filter_bytes, max_filter_depth});
  if (auto* err = std::get_if<json_error>(&parsed))
    return document_problem{gh_errc::validation, "must be a JSON object: " + err->message};
  const auto& value = std::get<json::value>(parsed);
  if (!value.is_object())
    return document_problem{gh_errc::validation, "must be a JSON object"};
  if (auto why = storable_problem(value, max_filter_depth))
    return document_problem{gh_errc::validation, std::move(*why)};
  return json::serialize(value);
}

} // namespace gh::records
