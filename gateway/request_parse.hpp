#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>

namespace gh {

using request_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// The front actor's parser for one request: body and header limits set, body parsed eagerly.
void reset_parser(request_parser& parser, std::size_t body_limit, std::size_t header_limit);

/// Feeds what `buffer` holds to `parser` and consumes what it used. True when the request is
/// whole or malformed (then `ec` says why: bad syntax, header_limit, body_limit); false when
/// more bytes are needed, with `ec` clear and the unused bytes left in `buffer`.
bool parse_buffered(request_parser& parser, boost::beast::flat_buffer& buffer,
                    boost::beast::error_code& ec);

} // namespace gh
