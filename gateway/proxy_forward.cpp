#include "config/log.hpp"
#include "gateway/proxy_exchange.hpp"
#include "gateway/proxy_headers.hpp"
#include "gateway/request_parse.hpp"
#include "gateway/responses.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>

namespace gh::proxy_detail {

void proxy_exchange::connect() {
  if (auto idle = pool().take(index_)) {
    upstream_.emplace(std::move(*idle));
    reused_ = true;
    up_.stats().reuses.fetch_add(1, std::memory_order_relaxed);
    send_head();
    return;
  }
  open_connection();
}

void proxy_exchange::open_connection() {
  reused_ = false;
  upstream_.emplace(client_.get_executor());
  up_buffer_.clear();
  arm(up_.settings().timeout, stage::upstream);
  const auto& s = up_.settings();
  beast::error_code ec;
  const auto address = net::ip::make_address(s.host, ec);
  if (!ec) {
    upstream_->async_connect(
        {address, s.port},
        beast::bind_front_handler(&proxy_exchange::on_connect, shared_from_this()));
    return;
  }
  resolver_.emplace(client_.get_executor());
  resolver_->async_resolve(
      s.host, std::to_string(s.port),
      [self = shared_from_this()](beast::error_code rec,
                                  const net::ip::tcp::resolver::results_type& results) {
        if (rec) {
          self->upstream_failed(rec);
          return;
        }
        net::async_connect(*self->upstream_, results,
                           [self](beast::error_code cec, const net::ip::tcp::endpoint&) {
                             self->on_connect(cec);
                           });
      });
}

void proxy_exchange::on_connect(beast::error_code ec) {
  if (ec) {
    upstream_failed(ec);
    return;
  }
  beast::error_code ignored;
  upstream_->set_option(net::ip::tcp::no_delay{true}, ignored);
  up_.stats().connects.fetch_add(1, std::memory_order_relaxed);
  send_head();
}

void proxy_exchange::send_head() {
  arm(up_.settings().timeout, stage::upstream);
  up_sr_.emplace(up_req_);
  if (collect_ || !has_body_) {
    up_req_.body().data = collect_ ? collected_.data() : nullptr;
    up_req_.body().size = collect_ ? collected_.size() : 0;
    up_req_.body().more = false;
    http::async_write(*upstream_, *up_sr_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_request_sent(ec);
                      });
    return;
  }
  http::async_write_header(*upstream_, *up_sr_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) {
                               self->upstream_failed(ec);
                               return;
                             }
                             self->read_client_body();
                           });
}

void proxy_exchange::send_body_piece(std::size_t n) {
  up_req_.body().data = n == 0 ? nullptr : chunk_.get();
  up_req_.body().size = n;
  up_req_.body().more = n != 0;
  arm(up_.settings().timeout, stage::upstream);
  http::async_write(*upstream_, *up_sr_,
                    [self = shared_from_this(), n](beast::error_code ec, std::size_t) {
                      if (ec == http::error::need_buffer)
                        ec = {};
                      if (n == 0 || ec) {
                        self->on_request_sent(ec);
                        return;
                      }
                      self->up_.stats().bytes_up.fetch_add(n, std::memory_order_relaxed);
                      self->read_client_body();
                    });
}

void proxy_exchange::on_request_sent(beast::error_code ec) {
  if (ec) {
    upstream_failed(ec);
    return;
  }
  if (collect_)
    up_.stats().bytes_up.fetch_add(collected_.size(), std::memory_order_relaxed);
  read_response_head();
}

void proxy_exchange::read_response_head() {
  res_.emplace();
  res_->header_limit(static_cast<std::uint32_t>(ctx_.limits.header_limit));
  res_->body_limit(boost::none); // streamed: nothing of it is held
  if (head_)
    res_->skip(true);
  arm(up_.settings().timeout, stage::upstream);
  http::async_read_header(
      *upstream_, up_buffer_, *res_,
      beast::bind_front_handler(&proxy_exchange::on_response_head, shared_from_this()));
}

void proxy_exchange::upstream_failed(beast::error_code ec) {
  const bool retry = reused_ && !retried_ && !has_body_ && !timed_out_ &&
                     (ec == http::error::end_of_stream || ec == net::error::eof ||
                      ec == net::error::connection_reset || ec == net::error::broken_pipe);
  upstream_.reset();
  if (retry) {
    retried_ = true;
    open_connection();
    return;
  }
  if (response_started_) {
    abort();
    return;
  }
  if (timed_out_)
    refuse(make_problem(gh_errc::upstream_timeout, up_.settings().name + " did not answer in time",
                        request_id_));
  else
    refuse(make_problem(gh_errc::upstream_unavailable, up_.settings().name + " cannot be reached",
                        request_id_));
}

void proxy_exchange::on_response_head(beast::error_code ec, std::size_t /*n*/) {
  if (ec) {
    upstream_failed(ec);
    return;
  }
  auto& r = res_->get();
  const int status = r.result_int();
  if (status / 100 == 1) {
    // Interim answers (100 Continue, 103 Early Hints) are the upstream's own business.
    read_response_head();
    return;
  }
  status_ = status;
  response_started_ = true;
  up_keep_alive_ = res_->keep_alive();
  const bool bodiless = head_ || status == 204 || status == 304;
  const auto length = res_->content_length();
  res_head_ = {};
  res_head_.result(r.result_int());
  res_head_.reason(r.reason());
  res_head_.version(11);
  for (const auto& f : r)
    res_head_.insert(f.name_string(), f.value());
  filter_response_fields(res_head_);
  res_head_.set("X-Request-Id", request_id_);
  add_cors(res_head_);
  if (length)
    res_head_.content_length(*length);
  else if (!bodiless && req_->get().version() >= 11)
    res_head_.chunked(true);
  else if (!bodiless)
    keep_alive_ = false; // an HTTP/1.0 client reads to the close
  res_head_.keep_alive(keep_alive_);
  res_sr_.emplace(res_head_);
  if (!bodiless && (up_buffer_.size() > 0 || res_->is_done())) {
    // Body bytes are here already: the head goes out with them, in one write.
    relay();
    return;
  }
  arm(ctx_.limits.read_timeout, stage::client);
  http::async_write_header(
      client_, *res_sr_, [self = shared_from_this(), bodiless](beast::error_code wec, std::size_t) {
        if (wec) {
          self->abort();
          return;
        }
        if (bodiless) {
          self->finish();
          return;
        }
        self->relay();
      });
}

void proxy_exchange::relay() {
  if (res_->is_done()) {
    send_to_client(0);
    return;
  }
  res_->get().body().data = chunk_.get();
  res_->get().body().size = proxy_chunk_bytes;
  arm(up_.settings().timeout, stage::stream);
  http::async_read_some(*upstream_, up_buffer_, *res_,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec == http::error::need_buffer)
                            ec = {};
                          if (ec) {
                            self->abort();
                            return;
                          }
                          const auto got = proxy_chunk_bytes - self->res_->get().body().size;
                          if (got == 0) {
                            self->relay();
                            return;
                          }
                          self->send_to_client(got);
                        });
}

void proxy_exchange::send_to_client(std::size_t n) {
  // The last piece ends the body in the same write.
  const bool last = n == 0 || res_->is_done();
  res_head_.body().data = n == 0 ? nullptr : chunk_.get();
  res_head_.body().size = n;
  res_head_.body().more = !last;
  arm(ctx_.limits.read_timeout, stage::client);
  http::async_write(client_, *res_sr_,
                    [self = shared_from_this(), n, last](beast::error_code ec, std::size_t) {
                      if (ec == http::error::need_buffer)
                        ec = {};
                      if (ec) {
                        self->abort(); // the client left: the upstream side closes too
                        return;
                      }
                      self->up_.stats().bytes_down.fetch_add(n, std::memory_order_relaxed);
                      if (last) {
                        self->finish();
                        return;
                      }
                      self->relay();
                    });
}

void proxy_exchange::finish() {
  done();
  disarm();
  if (upstream_ && up_keep_alive_ && res_ && res_->is_done() && up_buffer_.size() == 0)
    pool().give(index_, std::move(*upstream_), up_.settings().max_idle);
  upstream_.reset();
  if (keep_alive_ && !ctx_.shutting_down.load()) {
    std::make_shared<http_session>(std::move(client_), ctx_, std::move(buffer_))->run();
    return;
  }
  close_client();
}

void proxy_exchange::abort() {
  done();
  beast::error_code ignored;
  if (upstream_)
    upstream_->close(ignored);
  upstream_.reset();
  close_client();
}

void proxy_exchange::done() {
  if (finished_)
    return;
  finished_ = true;
  disarm();
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (status_ == 0)
    status_ = 499; // the client left before an answer began
  up_.stats().observe(status_, seconds);
  log::access(request_id_, method_, printable_path(path_), status_, seconds * 1000.0, remote_ip_,
              up_.settings().name);
}

void proxy_exchange::close_client() {
  finished_ = true;
  disarm();
  beast::error_code ignored;
  client_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  client_.close(ignored);
}

void proxy_exchange::add_cors(http::fields& f) const {
  if (ctx_.limits.cors_origins.empty())
    return;
  f.set(http::field::vary, "Origin");
  if (!cors_origin_.empty()) {
    f.set(http::field::access_control_allow_origin, cors_origin_);
    f.set(http::field::access_control_allow_credentials, "true");
    f.set(http::field::access_control_expose_headers, "X-Request-Id, Retry-After");
  }
}

problem proxy_exchange::plain(int status, std::string_view slug, std::string_view title,
                              std::string detail) {
  return problem{status, slug, title, std::move(detail), request_id_, {}};
}

void proxy_exchange::refuse(const problem& p, bool untrusted) {
  status_ = p.status;
  response_started_ = true;
  upstream_.reset();
  const bool unread =
      untrusted || !req_ || !req_->is_header_done() || (has_body_ && !req_->is_done());
  keep_alive_ = keep_alive_ && !unread && !ctx_.shutting_down.load();
  beast_response res;
  build_problem(res, p, ctx_.hsts, keep_alive_);
  for (const auto& [name, value] : extra_)
    res.set(name, value);
  add_cors(res);
  serialize_head(res, wire_head_);
  problem_body_ = std::move(res.body());
  done();
  arm(ctx_.limits.read_timeout, stage::client);
  const std::array<net::const_buffer, 2> wire{net::buffer(wire_head_), net::buffer(problem_body_)};
  net::async_write(client_, wire,
                   [self = shared_from_this(), unread](beast::error_code ec, std::size_t) {
                     if (ec) {
                       self->close_client();
                       return;
                     }
                     if (unread) {
                       self->linger();
                       return;
                     }
                     self->res_.reset();
                     self->finish();
                   });
}

void proxy_exchange::linger() {
  beast::error_code ignored;
  client_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  arm(std::chrono::milliseconds{2000}, stage::client);
  drain(0);
}

void proxy_exchange::drain(std::size_t dropped) {
  static constexpr std::size_t most = std::size_t{8} * 1024 * 1024;
  client_.async_read_some(
      net::buffer(chunk_.get(), proxy_chunk_bytes),
      [self = shared_from_this(), dropped](beast::error_code ec, std::size_t n) {
        if (ec || dropped + n > most) {
          self->close_client();
          return;
        }
        self->drain(dropped + n);
      });
}

} // namespace gh::proxy_detail
