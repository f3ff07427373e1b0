// A client's request head, as Beast parses it, through the proxy's header rewrite
// (gateway/proxy_headers): whatever the client sends, the upstream's header section never
// carries its credentials, Gatehouse's session cookies, a hop-by-hop field or an
// `X-Gatehouse-*` field of its own, and carries the caller's identity exactly once. The same
// bytes, read as a response head, lose every hop-by-hop field.
#include "gateway/proxy_headers.hpp"
#include "tests/fuzz/check.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using gh::fuzz::check;

namespace {

namespace http = boost::beast::http;

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <bool IsRequest>
bool parse(const uint8_t* data, size_t size, http::parser<IsRequest, http::empty_body>& parser) {
  parser.header_limit(16 * 1024);
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  return parser.is_header_done();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gh::cookie_names names = gh::cookie_names::for_production(true);
  http::request_parser<http::empty_body> request;
  if (parse(data, size, request)) {
    const auto& in = request.get();
    http::fields out;
    const bool user = size % 2 == 0;
    gh::build_upstream_fields(
        in, {"req-1", "::1", "https", "svc:9000", &names},
        user ? gh::forward_identity{"u-1", "t-1", "jwt"} : gh::forward_identity{}, out);
    std::size_t user_ids = 0;
    for (const auto& f : out) {
      const auto name = lower(f.name_string());
      const std::string_view value = f.value();
      check(value.find_first_of("\r\n") == std::string_view::npos);
      check(!gh::is_hop_by_hop(name));
      check(name != "authorization" && name != "proxy-authorization" && name != "x-csrf-token" &&
            name != "content-length");
      if (name == "x-gatehouse-user-id") {
        ++user_ids;
        check(value == "u-1");
      } else if (name == "x-gatehouse-tenant-id") {
        check(value == "t-1");
      } else if (name == "x-gatehouse-identity") {
        check(value == "jwt");
      } else {
        check(!name.starts_with("x-gatehouse-"));
      }
      if (name == "cookie") {
        // Pair by pair: no name is one of Gatehouse's session cookies.
        std::string_view rest = value;
        while (!rest.empty()) {
          const auto semi = rest.find("; ");
          auto pair_name = rest.substr(0, std::min(semi, rest.find('=')));
          if (pair_name.starts_with("__Host-"))
            pair_name.remove_prefix(7);
          check(pair_name != "gh_access" && pair_name != "gh_refresh" && pair_name != "gh_csrf");
          rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 2);
        }
      }
    }
    check(user_ids == (user ? 1U : 0U));
  }
  http::response_parser<http::empty_body> response;
  if (parse(data, size, response)) {
    http::fields f = response.get().base();
    gh::filter_response_fields(f);
    for (const auto& field : f)
      check(!gh::is_hop_by_hop(field.name_string()) && field.name() != http::field::content_length);
  }
  return 0;
}
