#pragma once

#include "messages/http.hpp"
#include "messages/problem.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace gh {

using beast_response = boost::beast::http::response<boost::beast::http::string_body>;

/// Turns a handler's response into the wire response: status, body, the handler's headers,
/// then `X-Request-Id`, the security headers and `Cache-Control: no-store`.
void build_response(beast_response& out, http_response&& in, const std::string& request_id,
                    bool hsts, bool keep_alive);

/// The problem+json response for `p`.
void build_problem(beast_response& out, const problem& p, bool hsts, bool keep_alive);

/// Writes the head of `res` as HTTP/1.1 wire bytes into `out` (replacing what it held): the
/// status line, the fields in order and the blank line. The body follows it on the wire as it
/// is, so one gathered write sends the whole response. `res` is a response made by
/// build_response or build_problem, whose Content-Length is set.
void serialize_head(const beast_response& res, std::string& out);

} // namespace gh
