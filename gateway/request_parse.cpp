#include "gateway/request_parse.hpp"

#include <boost/beast/http/error.hpp>

#include <cstdint>

namespace gh {

void reset_parser(request_parser& parser, std::size_t body_limit, std::size_t header_limit) {
  parser.body_limit(body_limit);
  parser.header_limit(static_cast<std::uint32_t>(header_limit));
  parser.eager(true);
}

bool parse_buffered(request_parser& parser, boost::beast::flat_buffer& buffer,
                    boost::beast::error_code& ec) {
  ec = {};
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

} // namespace gh
