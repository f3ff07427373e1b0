#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace gh::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

http_reply http_call(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body, const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds{30});
  stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser);
  auto& res = parser.get();
  http_reply out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name{f.name_string()};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string{f.value()};
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

std::string raw_exchange(uint16_t port, const std::string& raw, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds pause_before_read) {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  if (!raw.empty())
    net::write(stream.socket(), net::buffer(raw));
  if (pause_before_read.count() > 0)
    std::this_thread::sleep_for(pause_before_read);
  std::string out;
  std::array<char, 65536> buf{};
  stream.expires_after(timeout);
  for (;;) {
    beast::error_code ec;
    auto n = stream.read_some(net::buffer(buf), ec);
    out.append(buf.data(), n);
    if (ec)
      break;
  }
  return out;
}

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool reading = false;   ///< A read is under way: a call that timed out left it running.
  bool read_done = false; ///< It has ended, with `read_ec`.
  beast::error_code read_ec;
};

std::string signed_up_token(uint16_t port) {
  static std::atomic<int> n{0};
  const auto email = "ws-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" +
                     std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
                     "@example.com";
  auto r = http_call(port, "POST", "/api/v1/auth/register",
                     R"({"email":")" + email + R"(","password":"correct horse battery"})",
                     {{"Content-Type", "application/json"}});
  if (r.status != 201)
    throw std::runtime_error("registration failed: " + std::to_string(r.status) + " " + r.body);
  return std::string{boost::json::parse(r.body).at("access_token").as_string()};
}

std::map<std::string, std::string> ws_bearer(const std::string& access_token) {
  return {{"Sec-WebSocket-Protocol", "bearer, " + access_token}};
}

ws_client::ws_client(uint16_t port, const std::map<std::string, std::string>& headers,
                     const std::string& target)
    : impl_(std::make_unique<impl>()) {
  auto& ws = impl_->ws;
  beast::get_lowest_layer(ws).connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [name, value] : headers)
      req.set(name, value);
  }));
  websocket::response_type res;
  ws.handshake(res, "127.0.0.1:" + std::to_string(port), target);
  protocol_ = std::string{res[beast::http::field::sec_websocket_protocol]};
}

ws_client::~ws_client() = default;

void ws_client::send_text(const std::string& text) {
  // A server that refuses the frame may close mid-write; the next read reports why.
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text), ec);
}

void ws_client::send_binary(const std::string& bytes) {
  beast::error_code ec;
  impl_->ws.binary(true);
  impl_->ws.write(net::buffer(bytes), ec);
}

void ws_client::send_fragmented(const std::string& text, std::size_t frames) {
  beast::error_code ec;
  impl_->ws.text(true);
  const std::size_t step = (text.size() + frames - 1) / frames;
  for (std::size_t at = 0; at < text.size() && !ec; at += step) {
    const auto n = std::min(step, text.size() - at);
    impl_->ws.write_some(at + n == text.size(), net::buffer(text.data() + at, n), ec);
  }
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  // Asynchronously, for as long as `timeout`: a read that has not ended by then stays under way
  // (the connection open) and the next call goes on waiting for the same message.
  auto& im = *impl_;
  if (!im.reading) {
    im.buffer.clear();
    im.read_done = false;
    im.reading = true;
    im.ws.async_read(im.buffer, [&im](beast::error_code e, std::size_t) {
      im.read_ec = e;
      im.read_done = true;
    });
  }
  im.ioc.restart();
  im.ioc.run_for(timeout);
  if (!im.read_done)
    return std::nullopt;
  im.reading = false;
  if (im.read_ec) {
    close_code_ = im.ws.reason().code;
    return std::nullopt;
  }
  return beast::buffers_to_string(im.buffer.data());
}

bool ws_client::ping_pong() {
  auto& ws = impl_->ws;
  bool got_pong = false;
  ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong)
      got_pong = true;
  });
  ws.ping({});
  // The pong is consumed by the next read; a frame must follow to complete it.
  send_text(R"({"id":"after-ping"})");
  auto echo = read();
  ws.control_callback();
  return got_pong && echo.has_value();
}

void ws_client::close() {
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
  close_code_ = impl_->ws.reason().code;
}

} // namespace gh::test
