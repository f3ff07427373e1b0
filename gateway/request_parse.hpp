#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gh {

using request_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
using beast_request = boost::beast::http::request<boost::beast::http::string_body>;

/// The front actor's own refusals of request syntax Beast would accept.
enum class request_error {
  obs_fold = 1, ///< A header line continued on the next (RFC 9112 §5.2): refused.
};

/// The error category of `request_error`.
const boost::system::error_category& request_error_category() noexcept;

/// `e` as an error code of `request_error_category()`.
boost::system::error_code make_error_code(request_error e) noexcept;

/// The front actor's parser for one request: body and header limits set, body parsed eagerly.
void reset_parser(request_parser& parser, std::size_t body_limit, std::size_t header_limit);

/// Feeds what `buffer` holds to `parser` and consumes what it used. True when the request is
/// whole or malformed (then `ec` says why: bad syntax, obsolete line folding, header_limit,
/// body_limit); false when more bytes are needed, with `ec` clear and the unused bytes left in
/// `buffer`.
bool parse_buffered(request_parser& parser, boost::beast::flat_buffer& buffer,
                    boost::beast::error_code& ec);

/// Why the framing of a parsed request cannot be trusted, or nothing: a `Transfer-Encoding`
/// other than exactly `chunked` (RFC 9112 §6.1: the only transfer coding Gatehouse implements,
/// and it must be the final one), `Transfer-Encoding` beside `Content-Length` (§6.3), or a
/// missing, repeated or malformed `Host` (§3.2). Such a request is answered 400 and the
/// connection closed: whatever follows on it could be read as a request of its own.
std::optional<std::string> framing_problem(const boost::beast::http::request_header<>& req);

/// Why a WebSocket upgrade request cannot be accepted, checked before Beast sees it so every
/// refusal is a problem document: 426 when `Sec-WebSocket-Version` is not 13 (the answer then
/// names 13), 400 when `Sec-WebSocket-Key` is not the base64 of 16 bytes. Nothing when it is
/// acceptable.
struct handshake_problem {
  int status = 400;
  std::string detail;
};
std::optional<handshake_problem>
websocket_handshake_problem(const boost::beast::http::request_header<>& req);

/// True when the request asks for `100 Continue` before sending its body.
bool expects_continue(const boost::beast::http::request_header<>& req);

/// True when a `Content-Type` value is `application/json` (any parameters, any case).
bool is_json_content_type(std::string_view value);

/// `path` fit to quote in a problem's detail and a log line: bytes outside printable ASCII
/// percent-encoded, at most `max_chars` characters (then `…` marks the cut).
std::string printable_path(std::string_view path, std::size_t max_chars = 256);

} // namespace gh
