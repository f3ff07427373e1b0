#include "messages/event_envelope.hpp"

#include <boost/json/serialize.hpp>

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>

namespace gh {

namespace {

constexpr std::size_t max_event_bytes = std::size_t{1024} * 1024;
constexpr std::size_t max_subject_bytes = 255;

bool is_hex(char c) noexcept {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Reads `count` digits at `pos` as a number, or -1.
int digits(std::string_view text, std::size_t pos, std::size_t count) noexcept {
  if (pos + count > text.size())
    return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i]))
      return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

} // namespace

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36)
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex(text[i]))
      return false;
  }
  return true;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string to_rfc3339(std::chrono::system_clock::time_point when, bool millis) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out{buf, n};
  if (millis) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() %
        1000;
    (void)std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms));
    out += buf;
  }
  return out + "Z";
}

bool is_rfc3339(std::string_view text) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return false;
  const int year = digits(text, 0, 4);
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2);
  const int minute = digits(text, 14, 2);
  const int second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60)
    return false;
  static constexpr std::array<int, 12> month_days{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int last_day = month == 2 && !leap ? 28 : month_days[static_cast<std::size_t>(month - 1)];
  if (day > last_day)
    return false;
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && is_digit(text[pos]))
      ++pos;
    if (pos == start || pos - start > 9)
      return false;
  }
  if (pos >= text.size())
    return false;
  if (text[pos] == 'Z' || text[pos] == 'z')
    return pos + 1 == text.size();
  if (text[pos] != '+' && text[pos] != '-')
    return false;
  if (text.size() != pos + 6 || text[pos + 3] != ':')
    return false;
  const int off_hour = digits(text, pos + 1, 2);
  const int off_minute = digits(text, pos + 4, 2);
  return off_hour >= 0 && off_hour <= 23 && off_minute >= 0 && off_minute <= 59;
}

bool is_event_subject(std::string_view text) noexcept {
  if (text.empty() || text.size() > max_subject_bytes)
    return false;
  bool token_empty = true;
  for (char c : text) {
    if (c == '.') {
      if (token_empty)
        return false;
      token_empty = true;
      continue;
    }
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    if (!ok)
      return false;
    token_empty = false;
  }
  return !token_empty;
}

std::variant<event_envelope, envelope_error> decode_event(std::string_view text) {
  auto parsed = parse_untrusted_json(text, json_limits{max_event_bytes, 64});
  if (auto* error = std::get_if<json_error>(&parsed))
    return envelope_error{"", error->message};
  auto* root = std::get<boost::json::value>(parsed).if_object();
  if (root == nullptr)
    return envelope_error{"", "an event must be a JSON object"};

  event_envelope event;
  auto take_string = [&](std::string_view field, std::string& out,
                         bool (*valid)(std::string_view) noexcept,
                         const char* expected) -> std::optional<envelope_error> {
    const auto* value = root->if_contains(field);
    if (value == nullptr)
      return envelope_error{std::string{field}, "is required"};
    const auto* str = value->if_string();
    if (str == nullptr)
      return envelope_error{std::string{field}, "must be a string"};
    if (!valid(*str))
      return envelope_error{std::string{field}, std::string{"must be "} + expected};
    out.assign(str->data(), str->size());
    return std::nullopt;
  };
  if (auto error = take_string("id", event.id, is_uuid, "a UUID"))
    return *error;
  if (auto error = take_string("type", event.type, is_event_subject, "a NATS subject"))
    return *error;
  if (auto error = take_string("occurred_at", event.occurred_at, is_rfc3339, "an RFC 3339 time"))
    return *error;
  if (auto error = take_string("tenant_id", event.tenant_id, is_uuid, "a UUID"))
    return *error;
  const auto* data = root->if_contains("data");
  if (data == nullptr)
    return envelope_error{"data", "is required"};
  if (!data->is_object())
    return envelope_error{"data", "must be an object"};
  event.data = data->get_object();
  return event;
}

std::string encode_event(const event_envelope& event) {
  boost::json::object out;
  out["id"] = event.id;
  out["type"] = event.type;
  out["occurred_at"] = event.occurred_at;
  out["tenant_id"] = event.tenant_id;
  out["data"] = event.data;
  return boost::json::serialize(out);
}

} // namespace gh
