#include "gateway/proxy_ws.hpp"

#include "config/log.hpp"
#include "gateway/proxy.hpp"
#include "gateway/request_parse.hpp"
#include "gateway/responses.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <memory>
#include <optional>
#include <sstream>

namespace gh {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace websocket = beast::websocket;

namespace {

using socket_type = http_session::socket_type;
using ws_type = websocket::stream<socket_type>;

bool iprefix(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(name[i])) != prefix[i])
      return false;
  return true;
}

class ws_relay : public tracked_session, public std::enable_shared_from_this<ws_relay> {
public:
  ws_relay(socket_type&& client, beast::flat_buffer&& early, gateway_context& ctx,
           std::size_t index, ws_relay_request&& request)
      : client_socket_(std::move(client)), early_(std::move(early)), ctx_(ctx),
        up_(ctx.proxy->at(index)), req_(std::move(request)), timer_(client_socket_.get_executor()),
        started_(std::chrono::steady_clock::now()) {
    up_.stats().open_streams.fetch_add(1, std::memory_order_relaxed);
    ctx_.stats->websockets_open.fetch_add(1, std::memory_order_relaxed);
  }

  ~ws_relay() override {
    up_.stats().open_streams.fetch_sub(1, std::memory_order_relaxed);
    ctx_.stats->websockets_open.fetch_sub(1, std::memory_order_relaxed);
    if (tracker_id_ != 0)
      ctx_.tracker.remove(tracker_id_);
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    up_.stats().observe(status_, seconds);
    log::access(req_.request_id, "GET", printable_path(std::string{req_.client.target()}), status_,
                seconds * 1000.0, req_.remote_ip, up_.settings().name);
  }

  ws_relay(const ws_relay&) = delete;
  ws_relay& operator=(const ws_relay&) = delete;

  void run() {
    tracker_id_ = ctx_.tracker.add(weak_from_this());
    const auto& s = up_.settings();
    timer_.expires_after(s.timeout);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec && !self->open_) {
        self->timed_out_ = true;
        beast::error_code ignored;
        if (self->upstream_)
          beast::get_lowest_layer(*self->upstream_).cancel(ignored);
      }
    });
    upstream_.emplace(client_socket_.get_executor());
    beast::error_code ec;
    const auto address = net::ip::make_address(s.host, ec);
    if (!ec) {
      beast::get_lowest_layer(*upstream_)
          .async_connect({address, s.port}, [self = shared_from_this()](beast::error_code cec) {
            self->on_connect(cec);
          });
      return;
    }
    resolver_.emplace(client_socket_.get_executor());
    resolver_->async_resolve(
        s.host, std::to_string(s.port),
        [self = shared_from_this()](beast::error_code rec,
                                    const net::ip::tcp::resolver::results_type& results) {
          if (rec) {
            self->on_connect(rec);
            return;
          }
          net::async_connect(beast::get_lowest_layer(*self->upstream_), results,
                             [self](beast::error_code cec, const net::ip::tcp::endpoint&) {
                               self->on_connect(cec);
                             });
        });
  }

  void begin_shutdown() override {
    net::post(client_socket_.get_executor(), [self = shared_from_this()] {
      if (self->open_)
        self->close_both(websocket::close_code::going_away);
    });
  }

private:
  void on_connect(beast::error_code ec) {
    if (ec) {
      refuse(timed_out_ ? gh_errc::upstream_timeout : gh_errc::upstream_unavailable,
             up_.settings().name + (timed_out_ ? " did not answer in time" : " cannot be reached"));
      return;
    }
    up_.stats().connects.fetch_add(1, std::memory_order_relaxed);
    upstream_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    upstream_->read_message_max(ctx_.limits.ws_message_limit);
    upstream_->set_option(websocket::stream_base::decorator(
        [head = req_.upstream, protocols = req_.protocols](websocket::request_type& r) {
          for (const auto& f : head) {
            const auto name = f.name_string();
            if (f.name() == http::field::host || iprefix(name, "sec-websocket-"))
              continue;
            r.set(name, f.value());
          }
          if (!protocols.empty())
            r.set(http::field::sec_websocket_protocol, protocols);
        }));
    upstream_->async_handshake(
        up_answer_, up_.host_header(), req_.upstream.target(),
        [self = shared_from_this()](beast::error_code hec) { self->on_upstream_open(hec); });
  }

  void on_upstream_open(beast::error_code ec) {
    if (ec) {
      refuse(timed_out_ ? gh_errc::upstream_timeout : gh_errc::upstream_unavailable,
             up_.settings().name + " did not accept the WebSocket");
      return;
    }
    std::string selected;
    if (auto it = up_answer_.find(http::field::sec_websocket_protocol); it != up_answer_.end())
      selected = std::string{it->value()};
    else if (req_.bearer_protocol)
      selected = "bearer";
    client_.emplace(std::move(client_socket_));
    client_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    client_->read_message_max(ctx_.limits.ws_message_limit);
    client_->set_option(websocket::stream_base::decorator(
        [id = req_.request_id, selected](websocket::response_type& res) {
          res.set(http::field::server, "gatehouse");
          res.set("X-Request-Id", id);
          if (!selected.empty())
            res.set(http::field::sec_websocket_protocol, selected);
        }));
    // Beast reads the handshake again from these bytes and keeps the frames behind it.
    http::request<http::empty_body> handshake{req_.client.base()};
    std::ostringstream wire;
    wire << handshake;
    const auto early = early_.cdata();
    accept_bytes_ = wire.str();
    accept_bytes_.append(static_cast<const char*>(early.data()), early.size());
    early_.clear();
    client_->async_accept(net::buffer(accept_bytes_),
                          [self = shared_from_this()](beast::error_code aec) {
                            self->accept_bytes_ = {};
                            if (aec) {
                              self->close_both(websocket::close_code::protocol_error);
                              return;
                            }
                            self->open_ = true;
                            self->status_ = 101;
                            self->timer_.cancel();
                            self->pump(*self->client_, *self->upstream_, self->to_upstream_);
                            self->pump(*self->upstream_, *self->client_, self->to_client_);
                          });
  }

  /// Moves messages from `from` to `to`, one at a time.
  void pump(ws_type& from, ws_type& to, beast::flat_buffer& buffer) {
    from.async_read(buffer, [self = shared_from_this(), &from, &to, &buffer](beast::error_code ec,
                                                                             std::size_t) {
      if (ec) {
        self->on_read_end(from, to, ec);
        return;
      }
      to.text(from.got_text());
      to.async_write(
          buffer.data(), [self, &from, &to, &buffer](beast::error_code wec, std::size_t n) {
            if (wec) {
              self->close_both(websocket::close_code::going_away);
              return;
            }
            (&to == &*self->upstream_ ? self->up_.stats().bytes_up : self->up_.stats().bytes_down)
                .fetch_add(n, std::memory_order_relaxed);
            buffer.consume(n);
            self->pump(from, to, buffer);
          });
    });
  }

  void on_read_end(ws_type& from, ws_type& to, beast::error_code ec) {
    if (closing_)
      return;
    if (ec == websocket::error::closed) {
      // A clean close on one side closes the other with the same code and reason.
      closing_ = true;
      to.async_close(from.reason(), [self = shared_from_this(), &to](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(to).close(ignored);
      });
      return;
    }
    close_both(ec == websocket::error::message_too_big ? websocket::close_code::too_big
                                                       : websocket::close_code::going_away);
  }

  void close_both(websocket::close_code code) {
    if (closing_)
      return;
    closing_ = true;
    for (auto* ws : {client_ ? &*client_ : nullptr, upstream_ ? &*upstream_ : nullptr}) {
      if (ws == nullptr)
        continue;
      if (ws->is_open())
        ws->async_close(code, [self = shared_from_this(), ws](beast::error_code) {
          beast::error_code ignored;
          beast::get_lowest_layer(*ws).close(ignored);
        });
      else {
        beast::error_code ignored;
        beast::get_lowest_layer(*ws).close(ignored);
      }
    }
  }

  /// Answers the client's handshake with a problem and closes.
  void refuse(gh_errc code, std::string detail) {
    status_ = http_status(code);
    beast_response res;
    build_problem(res, make_problem(code, std::move(detail), req_.request_id), ctx_.hsts, false);
    serialize_head(res, wire_head_);
    body_ = std::move(res.body());
    const std::array<net::const_buffer, 2> wire{net::buffer(wire_head_), net::buffer(body_)};
    net::async_write(client_socket_, wire,
                     [self = shared_from_this()](beast::error_code, std::size_t) {
                       beast::error_code ignored;
                       self->client_socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
                       self->client_socket_.close(ignored);
                     });
  }

  socket_type client_socket_;
  beast::flat_buffer early_;
  gateway_context& ctx_;
  proxy_upstream& up_;
  ws_relay_request req_;
  net::steady_timer::rebind_executor<http_session::strand_type>::other timer_;
  std::chrono::steady_clock::time_point started_;
  std::optional<ws_type> client_;
  std::optional<ws_type> upstream_;
  std::optional<net::ip::basic_resolver<net::ip::tcp, http_session::strand_type>> resolver_;
  websocket::response_type up_answer_;
  beast::flat_buffer to_upstream_;
  beast::flat_buffer to_client_;
  std::string accept_bytes_;
  std::string wire_head_;
  std::string body_;
  int status_ = 502;
  bool open_ = false;
  bool closing_ = false;
  bool timed_out_ = false;
  uint64_t tracker_id_ = 0;
};

} // namespace

void relay_websocket(http_session::socket_type&& client, beast::flat_buffer&& early,
                     gateway_context& ctx, std::size_t upstream, ws_relay_request&& request) {
  std::make_shared<ws_relay>(std::move(client), std::move(early), ctx, upstream, std::move(request))
      ->run();
}

} // namespace gh
