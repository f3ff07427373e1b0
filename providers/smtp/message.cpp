#include "providers/smtp/message.hpp"

#include "messages/email_request.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

namespace gh::smtp {

namespace {

bool has_line_break(std::string_view s) noexcept {
  return s.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos;
}

bool is_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

/// `text` as an RFC 2047 encoded word when it is not printable ASCII.
std::string header_text(std::string_view text) {
  if (is_ascii(text))
    return std::string{text};
  std::string encoded = base64_lines(text);
  encoded.erase(
      std::remove_if(encoded.begin(), encoded.end(), [](char c) { return c == '\r' || c == '\n'; }),
      encoded.end());
  return "=?UTF-8?B?" + encoded + "?=";
}

std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[96];
  (void)std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                      tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                      tm.tm_sec);
  return buf;
}

} // namespace

std::string canonical_text(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 32 + 2);
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n')
        ++i;
    } else if (c >= 0x20 || c == '\t') {
      if (c != 0x7f)
        out += static_cast<char>(c);
    }
  }
  return out;
}

std::string address_of(std::string_view mailbox) {
  const auto open = mailbox.rfind('<');
  if (open == std::string_view::npos)
    return is_mail_address(mailbox) ? std::string{mailbox} : std::string{};
  const auto close = mailbox.find('>', open);
  if (close == std::string_view::npos || close + 1 != mailbox.size())
    return {};
  const auto inner = mailbox.substr(open + 1, close - open - 1);
  return is_mail_address(inner) ? std::string{inner} : std::string{};
}

std::string base64_lines(std::string_view bytes) {
  std::string out;
  constexpr std::size_t chunk = 57; // 57 bytes make one 76-character line
  std::vector<unsigned char> line(80);
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    const auto n = std::min(chunk, bytes.size() - at);
    const int written =
        EVP_EncodeBlock(line.data(), reinterpret_cast<const unsigned char*>(bytes.data() + at),
                        static_cast<int>(n));
    if (!out.empty())
      out += "\r\n";
    out.append(reinterpret_cast<const char*>(line.data()), static_cast<std::size_t>(written));
  }
  return out;
}

std::string compose(const mail_message& m, std::chrono::system_clock::time_point date) {
  if (has_line_break(m.from) || has_line_break(m.subject) || has_line_break(m.message_id) ||
      !is_mail_address(m.to) || !is_ascii(m.from) || address_of(m.from).empty())
    return {};
  // Both parts are base64, which has no '_': the boundary cannot occur inside them.
  const std::string boundary = "=_gatehouse_alternative";
  std::string out;
  out.reserve(m.text.size() * 2 + m.html.size() * 2 + 512);
  out += "From: " + m.from + "\r\n";
  out += "To: <" + m.to + ">\r\n";
  out += "Subject: " + header_text(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(date) + "\r\n";
  out += "Message-ID: " + m.message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(canonical_text(m.text)) + "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(canonical_text(m.html)) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

} // namespace gh::smtp
