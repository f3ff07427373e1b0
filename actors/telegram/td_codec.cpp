#include "actors/telegram/td_codec.hpp"

#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>

#include <charconv>
#include <chrono>

namespace gh::telegram {

namespace json = boost::json;

std::string_view type_of(const json::object& o) noexcept {
  return string_of(o, "@type");
}

int64_t int_of(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return 0;
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64())
    return static_cast<int64_t>(v->get_uint64());
  if (v->is_string()) {
    int64_t out = 0;
    const auto& s = v->get_string();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && ptr == s.data() + s.size() ? out : 0;
  }
  return 0;
}

std::string_view string_of(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string())
    return {};
  return {v->get_string().data(), v->get_string().size()};
}

const json::object* object_of(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

json::object tdlib_parameters(const client_config& config, const std::string& dir) {
  return {{"@type", "setTdlibParameters"},
          {"use_test_dc", false},
          {"database_directory", dir},
          {"files_directory", dir},
          {"database_encryption_key", ""},
          {"use_file_database", false},
          {"use_chat_info_database", false},
          {"use_message_database", false},
          {"use_secret_chats", false},
          {"api_id", config.api_id},
          {"api_hash", config.api_hash},
          {"system_language_code", "en"},
          {"device_model", "Gatehouse"},
          {"system_version", "Linux"},
          {"application_version", config.application_version}};
}

std::optional<std::string> normalized_phone(std::string_view phone) {
  if (phone.size() > max_phone_bytes)
    return std::nullopt;
  std::string digits;
  for (std::size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c == '+' && i == 0)
      continue;
    else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')')
      return std::nullopt;
  }
  if (digits.size() < 7 || digits.size() > 15 || digits.front() == '0')
    return std::nullopt;
  return "+" + digits;
}

std::string masked_phone(std::string_view e164) {
  std::string out;
  std::size_t digits = 0;
  for (const char c : e164)
    digits += (c >= '0' && c <= '9') ? 1 : 0;
  std::size_t seen = 0;
  for (const char c : e164) {
    if (c < '0' || c > '9') {
      out += c;
      continue;
    }
    ++seen;
    out += seen + 2 > digits ? std::string(1, c) : std::string{"\u2022"};
  }
  return out;
}

std::optional<std::string> argument_problem(std::string_view name, std::string_view value) {
  auto bounded = [&](std::size_t max) -> std::optional<std::string> {
    if (value.empty())
      return "must not be empty";
    if (value.size() > max)
      return "must be at most " + std::to_string(max) + " bytes";
    if (!decode::is_valid_utf8(value))
      return "must be UTF-8";
    return std::nullopt;
  };
  if (name == "code") {
    if (auto p = bounded(max_code_bytes))
      return p;
    for (const char c : value)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
        return "must be the code Telegram sent (letters and digits)";
    return std::nullopt;
  }
  if (name == "password")
    return bounded(max_password_bytes);
  if (name == "chat")
    return bounded(max_chat_bytes);
  if (name == "query")
    return bounded(max_query_bytes);
  if (name == "text") {
    if (auto p = bounded(max_text_bytes))
      return p;
    std::size_t chars = 0;
    for (const char c : value)
      chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    if (chars > max_text_chars)
      return "must be at most " + std::to_string(max_text_chars) + " characters";
    return std::nullopt;
  }
  return "is not an argument of a /tg command";
}

chat_ref chat_of(std::string_view text) {
  if (auto id = decode::parse_int(text, 18, true))
    return *id;
  return std::string{text};
}

namespace {

std::string date_of(int64_t unix_seconds) {
  return to_rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{unix_seconds}});
}

/// The words of a message's content: its text or caption, prefixed with `[kind]` for content
/// other than text.
std::string text_of(const json::object& message) {
  const auto* content = object_of(message, "content");
  if (content == nullptr)
    return {};
  const auto type = type_of(*content);
  if (type == "messageText") {
    const auto* text = object_of(*content, "text");
    return text != nullptr ? std::string{string_of(*text, "text")} : std::string{};
  }
  std::string kind{type.starts_with("message") ? type.substr(7) : type};
  if (!kind.empty())
    kind[0] = static_cast<char>(kind[0] >= 'A' && kind[0] <= 'Z' ? kind[0] - 'A' + 'a' : kind[0]);
  std::string out = "[" + kind + "]";
  if (const auto* caption = object_of(*content, "caption"))
    if (auto words = string_of(*caption, "text"); !words.empty())
      out += " " + std::string{words};
  return out;
}

} // namespace

json::object message_view(const json::object& message, const sender_namer& name) {
  json::object out;
  out["id"] = int_of(message, "id");
  out["chat_id"] = int_of(message, "chat_id");
  const auto* sender = object_of(message, "sender_id");
  out["sender"] = sender != nullptr && name ? name(*sender) : std::string{};
  out["date"] = date_of(int_of(message, "date"));
  out["text"] = text_of(message);
  return out;
}

json::object chat_view(const json::object& chat) {
  json::object out;
  out["id"] = int_of(chat, "id");
  out["title"] = string_of(chat, "title");
  out["unread_count"] = int_of(chat, "unread_count");
  if (const auto* last = object_of(chat, "last_message"))
    out["last_message"] = json::object{{"id", int_of(*last, "id")},
                                       {"text", text_of(*last)},
                                       {"date", date_of(int_of(*last, "date"))}};
  return out;
}

std::pair<gh_errc, std::string> problem_of(const json::object& error) {
  const auto code = int_of(error, "code");
  std::string message{string_of(error, "message")};
  if (message.size() > 200 || !decode::is_valid_utf8(message))
    message = "(unreadable)";
  const std::string detail = "Telegram refused: " + message;
  if (message == "Chat not found")
    return {gh_errc::not_found, "no such chat"};
  switch (code) {
  case 400:
  case 406:
    return {gh_errc::validation, detail};
  case 401:
    return {gh_errc::conflict, "the Telegram session is not signed in"};
  case 403:
    return {gh_errc::forbidden, detail};
  case 404:
    return {gh_errc::not_found, detail};
  case 429:
    return {gh_errc::rate_limited, "Telegram asks to slow down: " + message};
  default:
    return {gh_errc::provider_unavailable, "Telegram failed: " + message};
  }
}

} // namespace gh::telegram
