#include "messages/decode.hpp"

#include "messages/json.hpp"

#include <algorithm>
#include <charconv>

namespace gh::decode {

namespace json = boost::json;

namespace {

constexpr std::size_t max_body = std::size_t{16} * 1024;

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

std::string echoable(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 64))
    out += c >= 0x20 && c < 0x7f ? c : '?';
  return out.empty() ? std::string{"?"} : out;
}

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

std::string ascii_lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_valid_utf8(std::string_view text) noexcept {
  return for_each_code_point(text, [](char32_t) {});
}

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

} // namespace gh::decode
