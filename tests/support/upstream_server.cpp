#include "tests/support/upstream_server.hpp"

#include "tests/support/loopback_listener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace gh::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

/// The value of `name` in a query string, or empty.
std::string query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos)
    return {};
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=')
      return std::string{pair.substr(name.size() + 1)};
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return {};
}

std::string lower_name(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

std::string upstream_server::request::header(const std::string& name) const {
  auto it = headers.find(lower_name(name));
  return it == headers.end() ? std::string{} : it->second;
}

upstream_server::upstream_server() {
  const auto listener = listen_on_loopback(128, "upstream server");
  listen_fd_ = listener.fd;
  port_ = listener.port;
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

upstream_server::~upstream_server() {
  stop_ = true;
  acceptor_.join();
  {
    std::lock_guard lock{mutex_};
    for (int fd : open_fds_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_)
    t.join();
  ::close(listen_fd_);
}

std::string upstream_server::url(const std::string& base) const {
  return "http://127.0.0.1:" + std::to_string(port_) + base;
}

std::vector<upstream_server::request> upstream_server::requests() const {
  std::lock_guard lock{mutex_};
  return requests_;
}

upstream_server::request upstream_server::last() const {
  std::lock_guard lock{mutex_};
  return requests_.empty() ? request{} : requests_.back();
}

std::chrono::steady_clock::time_point upstream_server::sse_finished() const {
  std::lock_guard lock{mutex_};
  return sse_finished_;
}

void upstream_server::accept_loop() {
  accept_until(listen_fd_, stop_, [this](int fd) {
    const auto id = ++connections_;
    std::lock_guard lock{mutex_};
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd, id] { serve(fd, id); });
  });
}

void upstream_server::serve(int fd, uint64_t id) {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::error_code ec;
  socket.assign(tcp::v4(), fd, ec);
  beast::flat_buffer buffer;
  while (!stop_ && !ec) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(std::size_t{1} << 30);
    http::read(socket, buffer, parser, ec);
    if (ec)
      break;
    auto req = parser.release();
    request seen;
    seen.method = std::string{req.method_string()};
    seen.target = std::string{req.target()};
    for (const auto& f : req) {
      seen.names.push_back(lower_name(f.name_string()));
      seen.headers[lower_name(f.name_string())] = std::string{f.value()};
    }
    seen.body = req.body();
    seen.connection = id;
    {
      std::lock_guard lock{mutex_};
      requests_.push_back(seen);
    }
    const std::string_view target = req.target();
    const auto path = target.substr(0, target.find('?'));

    if (websocket::is_upgrade(req) && path.ends_with("/ws")) {
      websocket::stream<tcp::socket> ws{std::move(socket)};
      ws.set_option(websocket::stream_base::decorator([&](websocket::response_type& res) {
        if (req.count(http::field::sec_websocket_protocol) != 0)
          res.set(http::field::sec_websocket_protocol, "chat");
      }));
      ws.accept(req, ec);
      if (!ec)
        ws.write(net::buffer(std::string{"hello"}), ec);
      while (!ec) {
        beast::flat_buffer message;
        ws.read(message, ec);
        if (ec)
          break;
        ws.text(ws.got_text());
        ws.write(net::buffer("echo:" + beast::buffers_to_string(message.data())), ec);
      }
      break;
    }

    if (path.ends_with("/sse") || path.ends_with("/create-plan") || path.ends_with("/forever")) {
      http::response<http::empty_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "text/event-stream");
      res.chunked(true);
      http::response_serializer<http::empty_body> sr{res};
      http::write_header(socket, sr, ec);
      const auto chunk = [&](const std::string& text) {
        net::write(socket, http::make_chunk(net::buffer(text)), ec);
      };
      if (!path.ends_with("/forever")) {
        chunk("data: first\n\n");
        std::this_thread::sleep_for(sse_gap);
        {
          // Stored before the last event goes out, so a client that has read the whole answer
          // always sees this answer's time, never the previous one's.
          std::lock_guard lock{mutex_};
          sse_finished_ = std::chrono::steady_clock::now();
        }
        chunk("data: second\n\n");
        net::write(socket, http::make_chunk_last(), ec);
        continue;
      }
      for (int i = 0; !ec && !stop_ && i < 3000; ++i) {
        chunk("data: tick " + std::to_string(i) + "\n\n");
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
      }
      if (ec)
        ++broken_;
      break;
    }

    if (path.ends_with("/bytes")) {
      const auto n = std::stoull("0" + query_param(target, "n"));
      http::response<http::empty_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "application/octet-stream");
      res.content_length(n);
      http::response_serializer<http::empty_body> sr{res};
      http::write_header(socket, sr, ec);
      const std::string block(64 * 1024, 'x');
      for (uint64_t sent = 0; sent < n && !ec;) {
        const auto step = std::min<uint64_t>(block.size(), n - sent);
        net::write(socket, net::buffer(block.data(), step), ec);
        sent += step;
      }
      if (ec)
        ++broken_;
      continue;
    }

    if (path.ends_with("/slow"))
      std::this_thread::sleep_for(
          std::chrono::milliseconds{std::stoi("0" + query_param(target, "ms"))});
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set("X-Upstream", "yes");
    res.body() = req.body();
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (!req.keep_alive())
      break;
  }
  {
    std::lock_guard lock{mutex_};
    std::erase(open_fds_, fd);
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

} // namespace gh::test
