#include "messages/decode.hpp"

#include "messages/json.hpp"

#include <boost/url/parse.hpp>
#include <unicode/uchar.h>

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

/// Characters that may change how a line reads or where it ends: controls, bidirectional
/// controls (U+061C, U+200E/F, U+202A-E, U+2066-9) and line and paragraph separators.
bool breaks_text(char32_t cp) noexcept {
  const auto c = static_cast<UChar32>(cp);
  return is_control(cp) || u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL) != 0 ||
         u_charType(c) == U_LINE_SEPARATOR || u_charType(c) == U_PARAGRAPH_SEPARATOR;
}

/// A letter, digit, punctuation mark or symbol: something a reader sees.
bool is_visible(char32_t cp) noexcept {
  const auto mask = U_GC_L_MASK | U_GC_N_MASK | U_GC_P_MASK | U_GC_S_MASK;
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & mask) != 0 &&
         u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_DEFAULT_IGNORABLE_CODE_POINT) == 0;
}

/// Appends `cp` to `out` as UTF-8.
void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
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

std::optional<std::string> name_problem(std::string_view text, std::size_t max_chars) {
  std::size_t count = 0;
  bool breaks = false;
  bool visible = false;
  if (!for_each_code_point(text, [&](char32_t cp) {
        ++count;
        breaks = breaks || breaks_text(cp);
        visible = visible || is_visible(cp);
      }))
    return "must be valid UTF-8";
  if (breaks)
    return "must not contain control, bidirectional-control or line-separator characters";
  if (trim_space(text).empty())
    return "must not be blank";
  if (!visible)
    return "must contain a visible character";
  if (count > max_chars)
    return "must be at most " + std::to_string(max_chars) + " characters";
  return std::nullopt;
}

std::string trim_space(std::string_view text) {
  std::size_t at = 0;
  std::size_t first = std::string_view::npos;
  std::size_t end = 0;
  const bool valid = for_each_code_point(text, [&](char32_t cp) {
    const auto before = at;
    at += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (u_isUWhiteSpace(static_cast<UChar32>(cp)) != 0)
      return;
    if (first == std::string_view::npos)
      first = before;
    end = at;
  });
  if (!valid)
    return std::string{text};
  if (first == std::string_view::npos)
    return {};
  return std::string{text.substr(first, end - first)};
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // Decode one code point at a time so that a bad byte costs only itself.
    std::size_t len = 1;
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 >= 0xf0)
      len = 4;
    else if (b0 >= 0xe0)
      len = 3;
    else if (b0 >= 0xc0)
      len = 2;
    char32_t cp = 0xfffd;
    const auto piece = text.substr(i, std::min(len, text.size() - i));
    if (piece.size() != len || !for_each_code_point(piece, [&](char32_t c) { cp = c; })) {
      cp = 0xfffd;
      len = 1;
    }
    append_utf8(out, breaks_text(cp) ? U' ' : cp);
    i += len;
  }
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

std::optional<std::string> origin_of(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  // Boost.URL 1.81 reads `host:80x` as port 80 and path `x`: an authority's path starts with '/'.
  if (!parsed || !parsed->has_authority() || parsed->has_userinfo() ||
      parsed->encoded_host().empty() ||
      (!parsed->encoded_path().empty() && !parsed->encoded_path().starts_with('/')))
    return std::nullopt;
  auto lower = [](std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
  };
  const auto scheme = lower(parsed->scheme());
  if (scheme != "http" && scheme != "https")
    return std::nullopt;
  std::string origin = scheme + "://" + lower(parsed->encoded_host());
  if (parsed->has_port() && !parsed->port().empty()) {
    const auto port = parse_int(parsed->port(), 5, false);
    if (!port || *port > 65535)
      return std::nullopt;
    if (*port != (scheme == "https" ? 443 : 80))
      origin += ":" + std::to_string(*port);
  }
  return origin;
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
