#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gh::smtp {

/// One email as Gatehouse sends it: a text and an HTML alternative of the same content.
struct mail_message {
  std::string from;       ///< Header form, e.g. `Gatehouse <no-reply@example.com>`.
  std::string to;         ///< One bare address.
  std::string subject;    ///< UTF-8; encoded per RFC 2047 when not plain ASCII.
  std::string text;       ///< The text/plain part (UTF-8).
  std::string html;       ///< The text/html part (UTF-8), already escaped.
  std::string message_id; ///< `<...@...>`, stable per idempotency key.
};

/// The bare address of a `Name <address>` or `address` header value; empty when malformed.
std::string address_of(std::string_view mailbox);

/// `body` in the canonical form of a MIME text part (RFC 2045 §6.8, RFC 2046 §4.1.1): every
/// line break (CR, LF or CRLF) is CRLF, and the other ASCII control characters but TAB (NUL,
/// ESC, BEL, DEL, ...) are dropped.
std::string canonical_text(std::string_view body);

/// The RFC 5322 text of `m` (CRLF line ends, multipart/alternative, base64 parts in canonical
/// form, see `canonical_text`), dated `date`. Empty when a header value could smuggle a line
/// break.
std::string compose(const mail_message& m, std::chrono::system_clock::time_point date);

/// Standard base64 (RFC 4648, padded) in lines of at most 76 characters joined by CRLF.
std::string base64_lines(std::string_view bytes);

} // namespace gh::smtp
