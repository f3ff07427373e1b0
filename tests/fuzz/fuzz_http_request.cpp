// Raw HTTP bytes through the same Beast parser settings as the front actor, then the router and
// the request-id check on whatever parses.
#include "gateway/request_id.hpp"
#include "gateway/router.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

const gh::router& routes() {
  static const gh::router r = [] {
    gh::router out;
    out.add({"GET", "/healthz", {}, gh::body_kind::none, 1});
    out.add({"GET", "/api/v1/files/{id}", {}, gh::body_kind::none, 2});
    out.add({"POST", "/api/v1/collections/{collection}/records", {}, gh::body_kind::json, 3});
    return out;
  }();
  return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(4096);
  parser.header_limit(2048);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done())
    return 0;
  const auto& req = parser.get();
  const std::string_view target = req.target();
  const auto path = target.substr(0, target.find('?'));
  auto match = routes().match(req.method_string(), path);
  if (match.result == gh::route_match::kind::found && match.target == nullptr)
    std::abort();
  if (auto it = req.find("X-Request-Id"); it != req.end() && gh::is_sane_request_id(it->value())) {
    for (char c : it->value())
      if (c == '\r' || c == '\n' || c == ' ')
        std::abort();
  }
  return 0;
}
