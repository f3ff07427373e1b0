#include "gateway/request_parse.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/range/iterator_range.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace gh {

namespace http = boost::beast::http;

namespace {

// Boost's error_category has a protected non-virtual destructor by design (categories are
// static singletons, never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class request_category final : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "gatehouse.http"; }
  std::string message(int ev) const override {
    switch (static_cast<request_error>(ev)) {
    case request_error::obs_fold:
      return "obsolete line folding is not accepted";
    }
    return "refused request";
  }
};
#pragma GCC diagnostic pop

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// True when the header section held in `bytes` (from the request line on) continues a header
/// line on the next one: a line break followed by a space or a tab before the blank line.
bool has_obs_fold(std::string_view bytes) noexcept {
  const auto end = bytes.find("\r\n\r\n");
  const auto header = bytes.substr(0, end == std::string_view::npos ? bytes.size() : end + 2);
  for (std::size_t i = header.find('\n'); i != std::string_view::npos && i + 1 < header.size();
       i = header.find('\n', i + 1))
    if (header[i + 1] == ' ' || header[i + 1] == '\t')
      return true;
  return false;
}

/// A `Host` value as RFC 3986's authority without userinfo: reg-name or IP literal, then an
/// optional port.
bool is_host_value(std::string_view v) noexcept {
  if (v.empty() || v.size() > 255)
    return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view{"-._~%!$&'()*+,;=:[]"}.find(c) != std::string_view::npos;
  });
}

} // namespace

const boost::system::error_category& request_error_category() noexcept {
  static const request_category category;
  return category;
}

boost::system::error_code make_error_code(request_error e) noexcept {
  return {static_cast<int>(e), request_error_category()};
}

void reset_parser(request_parser& parser, std::size_t body_limit, std::size_t header_limit) {
  parser.body_limit(body_limit);
  parser.header_limit(static_cast<std::uint32_t>(header_limit));
  parser.eager(true);
}

bool parse_buffered(request_parser& parser, boost::beast::flat_buffer& buffer,
                    boost::beast::error_code& ec) {
  ec = {};
  // Beast takes a header section only once all of it is buffered, and unfolds obsolete line
  // folding itself: look before it does.
  if (!parser.is_header_done()) {
    const auto data = buffer.cdata();
    if (has_obs_fold({static_cast<const char*>(data.data()), data.size()})) {
      ec = make_error_code(request_error::obs_fold);
      return true;
    }
  }
  while (buffer.size() > 0 && !parser.is_done()) {
    const auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec || used == 0)
      break;
  }
  if (ec == boost::beast::http::error::need_more)
    ec = {};
  return ec || parser.is_done();
}

std::optional<std::string> framing_problem(const http::request_header<>& req) {
  std::size_t codings = 0;
  bool chunked_only = true;
  for (const auto& field :
       boost::make_iterator_range(req.equal_range(http::field::transfer_encoding))) {
    std::string_view list = field.value();
    while (true) {
      const auto comma = list.find(',');
      const auto coding = trim(list.substr(0, comma));
      ++codings;
      chunked_only = chunked_only && iequals(coding, "chunked");
      if (comma == std::string_view::npos)
        break;
      list.remove_prefix(comma + 1);
    }
  }
  if (codings > 0 && (codings != 1 || !chunked_only))
    return "Transfer-Encoding must be exactly \"chunked\", the only transfer coding accepted";
  if (codings > 0 && req.find(http::field::content_length) != req.end())
    return "Transfer-Encoding and Content-Length must not both be sent";
  std::size_t hosts = 0;
  bool host_ok = true;
  for (const auto& field : boost::make_iterator_range(req.equal_range(http::field::host))) {
    ++hosts;
    host_ok = host_ok && is_host_value(trim(field.value()));
  }
  if (hosts > 1)
    return "exactly one Host header is required";
  if (req.version() >= 11 && hosts == 0)
    return "an HTTP/1.1 request needs a Host header";
  if (!host_ok)
    return "the Host header is not a valid host";
  return std::nullopt;
}

std::optional<handshake_problem> websocket_handshake_problem(const http::request_header<>& req) {
  const auto version = req.find(http::field::sec_websocket_version);
  if (version == req.end() || trim(version->value()) != "13")
    return handshake_problem{426, "Sec-WebSocket-Version must be 13"};
  const auto key = req.find(http::field::sec_websocket_key);
  const auto k = key == req.end() ? std::string_view{} : trim(key->value());
  // 16 bytes in base64: 22 characters of the alphabet, then "==".
  const bool key_ok =
      k.size() == 24 && k.substr(22) == "==" && std::all_of(k.begin(), k.begin() + 22, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
      });
  if (!key_ok)
    return handshake_problem{400, "Sec-WebSocket-Key must be the base64 of 16 random bytes"};
  return std::nullopt;
}

bool expects_continue(const http::request_header<>& req) {
  const auto it = req.find(http::field::expect);
  return req.version() >= 11 && it != req.end() && iequals(trim(it->value()), "100-continue");
}

std::string printable_path(std::string_view path, std::size_t max_chars) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : path) {
    if (out.size() >= max_chars) {
      out += "…";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7f && ch != '"' && ch != '\\') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
  }
  return out;
}

} // namespace gh

namespace gh {

bool is_json_content_type(std::string_view value) {
  // application/json, optionally with parameters (charset=utf-8); case-insensitive type.
  const auto semi = value.find(';');
  auto type = value.substr(0, semi);
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  return iequals(type, "application/json");
}

} // namespace gh
