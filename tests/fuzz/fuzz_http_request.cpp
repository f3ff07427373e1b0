// Raw HTTP bytes through the front actor's own parse step (gateway/request_parse), arriving in
// two reads split where the first byte says, then the router and the request-id check on
// whatever parses.
#include "gateway/request_id.hpp"
#include "gateway/request_parse.hpp"
#include "gateway/router.hpp"

#include <boost/asio/buffer.hpp>

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

/// Appends `bytes` to `buffer` as a socket read would.
void arrive(boost::beast::flat_buffer& buffer, const uint8_t* bytes, size_t size) {
  buffer.commit(boost::asio::buffer_copy(buffer.prepare(size), boost::asio::buffer(bytes, size)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  const size_t split = data[0] % size; // where the first read ends
  ++data;
  --size;
  gh::request_parser parser;
  gh::reset_parser(parser, 4096, 2048);
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec;
  arrive(buffer, data, split);
  bool ended = gh::parse_buffered(parser, buffer, ec);
  if (!ended) {
    // Waiting for more: nothing failed, and the parser is not done.
    if (ec || parser.is_done())
      std::abort();
    arrive(buffer, data + split, size - split);
    ended = gh::parse_buffered(parser, buffer, ec);
  }
  if (ended && !ec && !parser.is_done())
    std::abort();
  if (ec || !parser.is_header_done())
    return 0;
  const auto& req = parser.get();
  const std::string_view target = req.target();
  const auto path = target.substr(0, target.find('?'));
  // The checks the session runs on every parsed request never fail on what they are given.
  (void)gh::framing_problem(req);
  (void)gh::expects_continue(req);
  (void)gh::websocket_handshake_problem(req);
  for (const char c : gh::printable_path(path, 64))
    if (static_cast<unsigned char>(c) < 0x21 || c == '"' || c == '\\')
      std::abort();
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
