#pragma once

#include "messages/gh_errc.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

/// Translation between the console's `/tg` commands and TDLib 1.8.65's JSON: the requests a
/// session sends, the views of chats and messages it answers with, and TDLib's errors as
/// problems. Plain functions, tested without TDLib.
namespace gh::telegram {

/// Sizes of the commands' arguments.
inline constexpr std::size_t max_phone_bytes = 32;
inline constexpr std::size_t max_code_bytes = 16;
inline constexpr std::size_t max_password_bytes = 256;
inline constexpr std::size_t max_chat_bytes = 512;   ///< a title: 128 characters of Telegram's
inline constexpr std::size_t max_text_chars = 4096;  ///< Telegram's own limit of a message
inline constexpr std::size_t max_text_bytes = 16384; ///< 4096 characters of up to 4 bytes
inline constexpr std::size_t max_query_bytes = 256;

/// What every session's TDLib client is set up with.
struct client_config {
  int32_t api_id = 0;
  std::string api_hash;
  std::string application_version;
};

/// `setTdlibParameters` (flat, as in TDLib 1.8) with every database off and `dir` for both the
/// database and the files.
boost::json::object tdlib_parameters(const client_config& config, const std::string& dir);

/// `phone` as E.164 (`+` and 7–15 digits; spaces, dashes, dots and parentheses dropped), or
/// nothing when it is not a phone number.
std::optional<std::string> normalized_phone(std::string_view phone);

/// `+••••••••23`: every digit but the last two hidden, the `+` kept.
std::string masked_phone(std::string_view e164);

/// What is wrong with a command's argument `name` (`code`, `password`, `chat`, `text`, `query`),
/// or nothing.
std::optional<std::string> argument_problem(std::string_view name, std::string_view value);

/// A `<chat>` argument: a chat id, or a chat's exact title.
using chat_ref = std::variant<int64_t, std::string>;

/// Reads a `<chat>` argument.
chat_ref chat_of(std::string_view text);

/// Names a message's sender: a `messageSender*` object to a display name.
using sender_namer = std::function<std::string(const boost::json::object& sender_id)>;

/// `{id, chat_id, sender, date, text}` of a TDLib `message` (`date` RFC 3339; `text` the text,
/// a caption, or `[photo]`-style for content without text).
boost::json::object message_view(const boost::json::object& message, const sender_namer& name);

/// `{id, title, unread_count, last_message?: {id, text, date}}` of a TDLib `chat`.
boost::json::object chat_view(const boost::json::object& chat);

/// The problem of a TDLib `error` object: its code and message as a Gatehouse error code and a
/// detail (TDLib's messages name the failure, never content).
std::pair<gh_errc, std::string> problem_of(const boost::json::object& error);

/// `@type` of a TDLib object (empty when it has none).
std::string_view type_of(const boost::json::object& o) noexcept;

/// An integer member of a TDLib object (a number, or an int64 sent as a string), or 0.
int64_t int_of(const boost::json::object& o, std::string_view key) noexcept;

/// A string member of a TDLib object, or empty.
std::string_view string_of(const boost::json::object& o, std::string_view key) noexcept;

/// A member object of a TDLib object, or null.
const boost::json::object* object_of(const boost::json::object& o, std::string_view key) noexcept;

} // namespace gh::telegram
