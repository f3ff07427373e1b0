#include "providers/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace gh::http_out {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct tls_context::impl {
  ssl::context ctx{ssl::context::tls_client};
};

tls_context::tls_context() : impl_(std::make_unique<impl>()) {
  impl_->ctx.set_default_verify_paths();
  impl_->ctx.set_verify_mode(ssl::verify_peer);
  impl_->ctx.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
}

tls_context::~tls_context() = default;

void* tls_context::native() const noexcept {
  return &impl_->ctx;
}

const std::string* response::header(std::string_view name) const {
  const auto same = [name](const std::string& key) {
    return key.size() == name.size() &&
           std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (const auto& [key, value] : headers)
    if (same(key))
      return &value;
  return nullptr;
}

struct connection::impl {
  const tls_context* tls = nullptr;
  std::string host;
  net::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  /// Runs the queued operations to completion, ready for the next ones.
  void run() {
    ioc.run();
    ioc.restart();
  }
};

connection::connection(const tls_context* tls, std::string host) : impl_(std::make_unique<impl>()) {
  impl_->tls = tls;
  impl_->host = std::move(host);
}

connection::~connection() = default;

std::string connection::open(const std::vector<std::string>& addresses, const std::string& port,
                             std::chrono::milliseconds timeout) {
  auto& c = *impl_;
  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  unsigned short port_number = 0;
  for (const char ch : port) {
    if (ch < '0' || ch > '9' || port_number > 6553)
      return "connect";
    port_number = static_cast<unsigned short>(port_number * 10 + (ch - '0'));
  }
  if (addresses.empty()) {
    tcp::resolver resolver{c.ioc};
    for (const auto& entry : resolver.resolve(c.host, port, ec))
      endpoints.push_back(entry.endpoint());
    if (ec || endpoints.empty())
      return "resolve";
  } else {
    // Pinned addresses: the caller resolved and checked them, so no second lookup happens.
    for (const auto& a : addresses) {
      const auto ip = net::ip::make_address(a, ec);
      if (ec)
        return "connect";
      endpoints.emplace_back(ip, port_number);
    }
  }
  if (c.tls != nullptr) {
    c.secure.emplace(c.ioc, *static_cast<ssl::context*>(c.tls->native()));
    // SNI carries names only; an IP literal host is checked against the certificate's IP SANs.
    boost::system::error_code not_ip;
    net::ip::make_address(c.host, not_ip);
    if (not_ip && SSL_set_tlsext_host_name(c.secure->native_handle(), c.host.c_str()) != 1)
      return "sni";
    c.secure->set_verify_callback(ssl::host_name_verification{c.host});
  } else {
    c.plain.emplace(c.ioc);
  }
  auto& stream = c.tcp();
  stream.expires_after(timeout);
  stream.async_connect(endpoints,
                       [&ec](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
  c.run();
  if (ec)
    return "connect";
  if (c.secure) {
    c.secure->async_handshake(ssl::stream_base::client,
                              [&ec](const boost::system::error_code& e) { ec = e; });
    c.run();
    if (ec)
      return "tls handshake";
  }
  return {};
}

response connection::exchange(const request& req, const limits& lim) {
  auto& c = *impl_;
  response out;
  http::request<http::string_body> msg;
  msg.method_string(req.method);
  msg.target(req.target);
  msg.version(11);
  msg.set(http::field::host, c.host);
  for (const auto& [name, value] : req.headers)
    msg.set(name, value);
  msg.body() = req.body;
  msg.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(lim.max_body);
  parser.header_limit(static_cast<std::uint32_t>(lim.max_header));
  boost::system::error_code write_ec;
  boost::system::error_code read_ec;
  bool header_done = false;
  c.tcp().expires_after(lim.timeout);
  const auto run_exchange = [&](auto& stream) {
    http::async_write(stream, msg, [&](const boost::system::error_code& e, std::size_t) {
      write_ec = e;
      if (e)
        return;
      http::async_read_header(
          stream, c.buffer, parser, [&](const boost::system::error_code& h, std::size_t) {
            read_ec = h;
            if (h)
              return;
            header_done = true;
            http::async_read(stream, c.buffer, parser,
                             [&](const boost::system::error_code& r, std::size_t) { read_ec = r; });
          });
    });
  };
  if (c.secure)
    run_exchange(*c.secure);
  else
    run_exchange(*c.plain);
  c.run();

  if (header_done && read_ec == http::error::body_limit && lim.truncate_body) {
    out.truncated = true;
    read_ec = {};
  }
  if (write_ec || read_ec) {
    const auto ec = write_ec ? write_ec : read_ec;
    const bool closed = ec == http::error::end_of_stream || ec == net::error::eof ||
                        ec == net::error::connection_reset || ec == net::error::broken_pipe;
    out.closed_before_answer = closed && !parser.got_some();
    out.error = ec == beast::error::timeout ? "timeout" : (write_ec ? "write" : "read");
    return out;
  }
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res)
    out.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
  out.keep_alive = !out.truncated && res.keep_alive();
  out.body = std::move(res.body());
  return out;
}

} // namespace gh::http_out
