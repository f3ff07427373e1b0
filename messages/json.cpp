#include "messages/json.hpp"

#include <simdjson.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace gh {

namespace {

boost::json::value to_value(simdjson::dom::element element, bool& duplicate) {
  switch (element.type()) {
  case simdjson::dom::element_type::ARRAY: {
    simdjson::dom::array items;
    if (element.get(items) != simdjson::SUCCESS)
      return nullptr;
    boost::json::array out;
    out.reserve(items.size());
    for (auto item : items)
      out.push_back(to_value(item, duplicate));
    return out;
  }
  case simdjson::dom::element_type::OBJECT: {
    simdjson::dom::object fields;
    if (element.get(fields) != simdjson::SUCCESS)
      return nullptr;
    boost::json::object out;
    for (auto field : fields) {
      // Duplicate keys are refused: two parsers could disagree on which one wins.
      if (out.contains(field.key))
        duplicate = true;
      out.insert_or_assign(field.key, to_value(field.value, duplicate));
    }
    return out;
  }
  case simdjson::dom::element_type::INT64: {
    int64_t v = 0;
    if (element.get(v) != simdjson::SUCCESS)
      return nullptr;
    return v;
  }
  case simdjson::dom::element_type::UINT64: {
    uint64_t v = 0;
    if (element.get(v) != simdjson::SUCCESS)
      return nullptr;
    return v;
  }
  case simdjson::dom::element_type::DOUBLE: {
    double v = 0;
    if (element.get(v) != simdjson::SUCCESS)
      return nullptr;
    return v;
  }
  case simdjson::dom::element_type::STRING: {
    std::string_view v;
    if (element.get(v) != simdjson::SUCCESS)
      return nullptr;
    return boost::json::string(v);
  }
  case simdjson::dom::element_type::BOOL: {
    bool v = false;
    if (element.get(v) != simdjson::SUCCESS)
      return nullptr;
    return v;
  }
  case simdjson::dom::element_type::NULL_VALUE:
    return nullptr;
  }
  return nullptr;
}

} // namespace

std::variant<boost::json::value, json_error> parse_untrusted_json(std::string_view text,
                                                                  const json_limits& limits) {
  if (text.size() > limits.max_bytes)
    return json_error{"document exceeds " + std::to_string(limits.max_bytes) + " bytes"};
  // One parser per thread: simdjson parsers are not thread-safe and are costly to allocate.
  thread_local simdjson::dom::parser parser;
  if (parser.max_depth() != limits.max_depth || parser.capacity() < text.size()) {
    if (parser.allocate(std::max<std::size_t>(text.size(), 4096), limits.max_depth) !=
        simdjson::SUCCESS)
      return json_error{"document too large to parse"};
  }
  simdjson::padded_string padded{text};
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    if (error == simdjson::DEPTH_ERROR)
      return json_error{"JSON nested deeper than " + std::to_string(limits.max_depth) + " levels"};
    return json_error{std::string{"malformed JSON: "} + simdjson::error_message(error)};
  }
  bool duplicate = false;
  auto value = to_value(root, duplicate);
  if (duplicate)
    return json_error{"malformed JSON: duplicate object key"};
  return value;
}

} // namespace gh
