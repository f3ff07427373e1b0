#include "gateway/http_session.hpp"

#include "config/log.hpp"
#include "gateway/dispatch.hpp"
#include "gateway/proxy.hpp"
#include "gateway/proxy_session.hpp"
#include "gateway/request_id.hpp"
#include "gateway/storage_stream.hpp"
#include "gateway/websocket_session.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <atomic>

namespace gh {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

/// The way back from an actor to the session: posts onto the session's strand. A responder
/// dropped without an answer (the actor died, the message was lost) answers 500. It holds the
/// session weakly: the session's own deadline timer keeps it alive while it waits, so an actor
/// that keeps a responder never keeps a connection (or its io_context) alive.
class session_responder final : public responder {
public:
  session_responder(std::weak_ptr<http_session> session, uint64_t seq,
                    std::shared_ptr<io_gate> gate)
      : session_(std::move(session)), seq_(seq), gate_(std::move(gate)) {}

  ~session_responder() override {
    if (!done_.exchange(true))
      post_failure(gh_errc::internal, "the request was not answered", {});
  }

  session_responder(const session_responder&) = delete;
  session_responder& operator=(const session_responder&) = delete;

  void respond(http_response res) override {
    if (done_.exchange(true))
      return;
    post([seq = seq_, res = std::move(res)](http_session& session) mutable {
      session.on_answer(seq, std::move(res));
    });
  }

  void fail(gh_errc code, std::string detail, std::vector<field_error> errors) override {
    if (done_.exchange(true))
      return;
    post_failure(code, std::move(detail), std::move(errors));
  }

private:
  void post_failure(gh_errc code, std::string detail, std::vector<field_error> errors) {
    post([seq = seq_, code, detail = std::move(detail),
          errors = std::move(errors)](http_session& session) mutable {
      session.on_failure(seq, code, std::move(detail), std::move(errors));
    });
  }

  template <class Fn>
  void post(Fn fn) {
    gate_->post_to(session_, std::move(fn));
  }

  std::weak_ptr<http_session> session_;
  uint64_t seq_;
  std::shared_ptr<io_gate> gate_;
  std::atomic<bool> done_{false};
};

problem plain_problem(int status, std::string_view slug, std::string_view title, std::string detail,
                      std::string request_id) {
  return problem{status, slug, title, std::move(detail), std::move(request_id), {}};
}

} // namespace

http_session::http_session(socket_type&& socket, gateway_context& ctx, beast::flat_buffer&& pending)
    : socket_(std::move(socket)), buffer_(std::move(pending)), ctx_(ctx),
      watchdog_(socket_.get_executor()) {
  beast::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec)
    remote_ip_ = endpoint.address().to_string();
  ctx_.stats->connections_open.fetch_add(1, std::memory_order_relaxed);
}

http_session::~http_session() {
  if (tracker_id_ != 0)
    ctx_.tracker.remove(tracker_id_);
  ctx_.stats->connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void http_session::run() {
  tracker_id_ = ctx_.tracker.add(weak_from_this());
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
}

void http_session::begin_shutdown() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    // A connection between requests is closed now; one mid-request finishes it first and
    // then closes, because keep-alive is refused once shutting_down is set.
    if (self->phase_ == phase::idle)
      self->close();
  });
}

void http_session::watch(phase p, std::chrono::milliseconds timeout) {
  phase_ = p;
  deadline_ = std::chrono::steady_clock::now() + timeout;
  if (!watchdog_pending_ || watchdog_.expiry() > deadline_)
    arm_watchdog();
}

void http_session::arm_watchdog() {
  watchdog_.expires_at(deadline_); // cancels a wait in progress, which then finds itself stale
  watchdog_pending_ = true;
  watchdog_.async_wait(beast::bind_front_handler(&http_session::on_watchdog, shared_from_this(),
                                                 ++watchdog_generation_));
}

void http_session::on_watchdog(uint64_t generation, beast::error_code ec) {
  if (generation != watchdog_generation_)
    return; // superseded by a re-arm
  watchdog_pending_ = false;
  if (ec || phase_ == phase::none)
    return;
  if (std::chrono::steady_clock::now() < deadline_) {
    arm_watchdog(); // the deadline moved on since this wait was armed
    return;
  }
  on_deadline();
}

void http_session::on_deadline() {
  beast::error_code ignored;
  switch (phase_) {
  case phase::none:
    return;
  case phase::idle:
  case phase::writing:
  case phase::lingering:
    // Nothing was asked, or the peer stopped taking the answer: nothing more is owed.
    close();
    return;
  case phase::reading:
    // The read in progress ends with operation_aborted and on_read answers 408.
    read_timed_out_ = true;
    socket_.cancel(ignored);
    return;
  case phase::awaiting:
    awaiting_ = false;
    send_problem(
        make_problem(gh_errc::provider_unavailable, "the request took too long", request_id_),
        false);
    return;
  }
}

void http_session::wait_for_request() {
  if (ctx_.shutting_down.load()) {
    close();
    return;
  }
  if (buffer_.size() > 0) {
    // A pipelined request is already buffered.
    read_request();
    return;
  }
  watch(phase::idle, ctx_.limits.idle_timeout);
  socket_.async_read_some(
      buffer_.prepare(4096),
      beast::bind_front_handler(&http_session::on_first_bytes, shared_from_this()));
}

void http_session::on_first_bytes(beast::error_code ec, std::size_t n) {
  if (ec) {
    // Idle timeout, peer closed, or shutdown: nothing was asked, so nothing is answered.
    close();
    return;
  }
  buffer_.commit(n);
  read_request();
}

void http_session::read_request() {
  // The local store's objects stream past the parser (gateway/storage_stream.hpp).
  if (ctx_.storage) {
    const auto claim = claims_storage(buffer_);
    if (claim == storage_claim::undecided) {
      watch(phase::reading, ctx_.limits.read_timeout);
      socket_.async_read_some(
          buffer_.prepare(4096),
          beast::bind_front_handler(&http_session::on_first_bytes, shared_from_this()));
      return;
    }
    if (claim == storage_claim::yes) {
      phase_ = phase::none;
      watchdog_.cancel();
      serve_storage(std::move(socket_), std::move(buffer_), ctx_, remote_ip_);
      return;
    }
  }
  // So do requests under an internal service's prefix (gateway/proxy_session.hpp).
  if (ctx_.proxy) {
    const auto claim = ctx_.proxy->claims(buffer_);
    if (claim.result == proxy_claim::kind::undecided) {
      watch(phase::reading, ctx_.limits.read_timeout);
      socket_.async_read_some(
          buffer_.prepare(4096),
          beast::bind_front_handler(&http_session::on_first_bytes, shared_from_this()));
      return;
    }
    if (claim.result == proxy_claim::kind::yes) {
      phase_ = phase::none;
      watchdog_.cancel();
      serve_proxy(std::move(socket_), std::move(buffer_), ctx_, remote_ip_, claim.upstream);
      return;
    }
  }
  parser_.emplace();
  reset_parser(*parser_, ctx_.limits.body_limit, ctx_.limits.header_limit);
  read_timed_out_ = false;
  continue_sent_ = false;
  parse_more();
}

void http_session::parse_more() {
  // A request that arrived whole (the usual case) is parsed here, with no further read.
  beast::error_code ec;
  if (parse_buffered(*parser_, buffer_, ec)) {
    on_read(ec, 0);
    return;
  }
  // The rest is still on its way: a client that started a request and stalls is owed a 408.
  // The read deadline counts from the request's first bytes: trickling bytes do not move it.
  if (phase_ != phase::reading)
    watch(phase::reading, ctx_.limits.read_timeout);
  if (parser_->is_header_done() && !continue_sent_ && expects_continue(parser_->get())) {
    // The client waits for this before sending its body (RFC 9110 §10.1.1).
    continue_sent_ = true;
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(interim.data(), interim.size()),
                     [self = shared_from_this()](beast::error_code wec, std::size_t) {
                       if (wec) {
                         self->on_read(wec, 0);
                         return;
                       }
                       self->read_more();
                     });
    return;
  }
  read_more();
}

void http_session::read_more() {
  socket_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec) {
                              self->on_read(ec, 0);
                              return;
                            }
                            self->buffer_.commit(n);
                            self->parse_more();
                          });
}

void http_session::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  phase_ = phase::none;
  started_ = std::chrono::steady_clock::now();
  if (ec == net::error::operation_aborted && read_timed_out_)
    ec = beast::error::timeout;
  metrics_slot_ = 0;
  head_ = false;
  cors_origin_.clear();
  method_.clear();
  path_.clear();
  if (ec == http::error::end_of_stream || ec == net::error::eof ||
      ec == http::error::partial_message || ec == net::error::connection_reset ||
      ec == net::error::operation_aborted) {
    close();
    return;
  }
  request_id_ = new_request_id();
  if (ec) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    // Part of the request may still be on its way: read and drop it before closing, so the
    // client sees the answer and not a reset.
    linger_ = true;
    if (ec == beast::error::timeout) {
      send_problem(plain_problem(408, "request-timeout", "Request timeout",
                                 "the request was not received in time", request_id_),
                   false);
    } else if (ec == http::error::body_limit) {
      send_problem(
          plain_problem(413, "payload-too-large", "Payload too large",
                        "the body exceeds " + std::to_string(ctx_.limits.body_limit) + " bytes",
                        request_id_),
          false);
    } else if (ec == http::error::header_limit) {
      send_problem(plain_problem(431, "headers-too-large", "Request header fields too large",
                                 "the request headers exceed " +
                                     std::to_string(ctx_.limits.header_limit) + " bytes",
                                 request_id_),
                   false);
    } else {
      send_problem(plain_problem(400, "validation", "Invalid request",
                                 "malformed HTTP request: " + ec.message(), request_id_),
                   false);
    }
    return;
  }
  handle_request();
}

void http_session::handle_request() {
  auto& req = parser_->get();
  if (auto it = req.find("X-Request-Id"); it != req.end() && is_sane_request_id(it->value()))
    request_id_ = std::string{it->value()};
  if (auto problem = framing_problem(req)) {
    // What follows on this connection could be read as a request of its own: answer, drop the
    // rest and close.
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    linger_ = true;
    send_problem(plain_problem(400, "validation", "Invalid request", *problem, request_id_), false);
    return;
  }
  request_keep_alive_ = req.keep_alive() && !ctx_.shutting_down.load();
  method_ = std::string{req.method_string()};
  head_ = req.method() == http::verb::head;
  const std::string_view target = req.target();
  const auto q = target.find('?');
  path_ = std::string{target.substr(0, q)};
  if (!ctx_.limits.cors_origins.empty())
    if (auto origin = req.find(http::field::origin); origin != req.end()) {
      const auto& allowed = ctx_.limits.cors_origins;
      if (std::find(allowed.begin(), allowed.end(), origin->value()) != allowed.end())
        cors_origin_ = std::string{origin->value()};
    }

  // WebSocket upgrade: the connection leaves this session.
  if (path_ == ctx_.ws_path) {
    if (!beast::websocket::is_upgrade(req)) {
      response_ = {};
      response_.set(http::field::upgrade, "websocket");
      send_problem(plain_problem(426, "upgrade-required", "Upgrade required",
                                 "this endpoint speaks WebSocket only", request_id_),
                   request_keep_alive_);
      return;
    }
    if (auto refused = websocket_handshake_problem(req)) {
      ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
      response_ = {};
      if (refused->status == 426)
        response_.set(http::field::sec_websocket_version, "13");
      send_problem(plain_problem(refused->status,
                                 refused->status == 426 ? "upgrade-required" : "validation",
                                 refused->status == 426 ? "Upgrade required" : "Invalid request",
                                 refused->detail, request_id_),
                   false);
      return;
    }
    // A draining instance takes no new WebSocket: the client connects again, elsewhere.
    if (ctx_.drain != nullptr && ctx_.drain->draining()) {
      response_ = {};
      response_.set(http::field::retry_after, "1");
      send_problem(make_problem(gh_errc::provider_unavailable,
                                "this instance is draining; connect again", request_id_),
                   false);
      return;
    }
    // Only a signed-in user gets a console.
    principal who;
    bool bearer_protocol = false;
    if (ctx_.auth != nullptr) {
      const auto header = [&req](http::field f) {
        auto it = req.find(f);
        return it == req.end() ? std::string_view{} : std::string_view{it->value()};
      };
      auto outcome = ctx_.auth->authenticate_upgrade(
          header(http::field::sec_websocket_protocol), header(http::field::cookie),
          header(http::field::origin), unix_now(), bearer_protocol);
      if (outcome.error != gh_errc::ok) {
        response_ = {};
        if (outcome.error == gh_errc::unauthorized)
          response_.set(http::field::www_authenticate, "Bearer");
        send_problem(make_problem(outcome.error, outcome.detail, request_id_), request_keep_alive_);
        return;
      }
      who = std::move(outcome.who);
    }
    if (ctx_.sinks != nullptr && !who.user_id.empty() &&
        !ctx_.sinks->reserve(who.user_id, ctx_.limits.ws_per_user)) {
      response_ = {};
      response_.set(http::field::retry_after, "5");
      send_problem(make_problem(gh_errc::rate_limited,
                                "this account has " + std::to_string(ctx_.limits.ws_per_user) +
                                    " WebSockets open already",
                                request_id_),
                   request_keep_alive_);
      return;
    }
    phase_ = phase::none;
    watchdog_.cancel();
    // Bytes the client sent behind the handshake are its first frames: they go along.
    const auto early = buffer_.cdata();
    std::string early_bytes{static_cast<const char*>(early.data()), early.size()};
    buffer_.clear();
    auto ws = std::make_shared<websocket_session>(net::ip::tcp::socket{std::move(socket_)}, ctx_,
                                                  remote_ip_);
    ws->run(parser_->release(), std::move(early_bytes), request_id_, std::move(who),
            bearer_protocol);
    return;
  }

  // A CORS preflight from a listed front end: the path's methods, never the route itself.
  if (!cors_origin_.empty() && req.method() == http::verb::options &&
      req.find(http::field::access_control_request_method) != req.end()) {
    auto methods = ctx_.routes.match("OPTIONS", path_);
    if (methods.result == route_match::kind::method_not_allowed) {
      response_ = {};
      build_response(response_,
                     {204,
                      "text/plain",
                      {},
                      {{"Access-Control-Allow-Methods", methods.allow},
                       {"Access-Control-Allow-Headers",
                        "Content-Type, Authorization, X-CSRF-Token, X-Request-Id, "
                        "Idempotency-Key"},
                       {"Access-Control-Max-Age", "600"}}},
                     request_id_, ctx_.hsts, request_keep_alive_);
      send(request_keep_alive_);
      return;
    }
  }
  auto match = ctx_.routes.match(method_, path_);
  if (match.result == route_match::kind::not_found) {
    send_problem(plain_problem(404, "not-found", "Not found",
                               "no route for " + printable_path(path_), request_id_),
                 request_keep_alive_);
    return;
  }
  if (match.result == route_match::kind::method_not_allowed) {
    response_ = {};
    response_.set(http::field::allow, match.allow);
    send_problem(plain_problem(405, "method-not-allowed", "Method not allowed",
                               method_ + " is not allowed on " + printable_path(path_),
                               request_id_),
                 request_keep_alive_);
    return;
  }
  const auto& target_route = *match.target;
  metrics_slot_ = target_route.metrics_slot;

  // Who is calling: decided here, without I/O, before any actor sees the request (a provider's
  // token not seen lately is the one exception: its resolver decides, on the way to the handler).
  principal who;
  bool external = false;
  if (ctx_.auth != nullptr) {
    const auto field = [&req](http::field f) {
      auto it = req.find(f);
      return it == req.end() ? std::string_view{} : std::string_view{it->value()};
    };
    auto csrf = req.find("X-CSRF-Token");
    const authenticator::input in{
        method_, field(http::field::authorization), field(http::field::cookie),
        csrf == req.end() ? std::string_view{} : std::string_view{csrf->value()},
        field(http::field::origin)};
    auto outcome = ctx_.auth->authenticate(in, unix_now());
    if (outcome.error == gh_errc::forbidden || outcome.error == gh_errc::validation) {
      send_problem(make_problem(outcome.error, outcome.detail, request_id_), request_keep_alive_);
      return;
    }
    external = outcome.external && target_route.auth != auth_policy::none;
    const bool wants_user = target_route.auth == auth_policy::user;
    if (wants_user && !external && (outcome.error != gh_errc::ok || !outcome.who.is_user())) {
      response_ = {};
      response_.set(http::field::www_authenticate, "Bearer");
      send_problem(make_problem(gh_errc::unauthorized,
                                outcome.error != gh_errc::ok ? outcome.detail
                                                             : "a valid access token is required",
                                request_id_),
                   request_keep_alive_);
      return;
    }
    if (target_route.auth != auth_policy::none && outcome.error == gh_errc::ok)
      who = std::move(outcome.who);
  }
  if (target_route.body == body_kind::json) {
    auto ct = req.find(http::field::content_type);
    if (ct == req.end() || !is_json_content_type(ct->value())) {
      ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
      send_problem(plain_problem(415, "unsupported-media-type", "Unsupported media type",
                                 "send the body as application/json", request_id_),
                   request_keep_alive_);
      return;
    }
    auto parsed = parse_untrusted_json(req.body(), json_limits{ctx_.limits.body_limit, 64});
    if (auto* error = std::get_if<json_error>(&parsed)) {
      ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
      auto p = make_problem(gh_errc::validation, error->message, request_id_,
                            {{"body", error->message}});
      send_problem(p, request_keep_alive_);
      return;
    }
  }

  // What needs no I/O and no per-user state is answered here, on the io thread that read it.
  if (target_route.fast && !external) {
    const std::string_view query =
        q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    if (auto res = target_route.fast(
            {head_ ? std::string_view{"GET"} : std::string_view{method_}, path_, query, who})) {
      const bool keep_alive = request_keep_alive_ && !ctx_.shutting_down.load();
      response_ = {};
      build_response(response_, std::move(*res), request_id_, ctx_.hsts, keep_alive);
      send(keep_alive);
      return;
    }
  }

  http_request msg;
  // The handler answers HEAD as the GET it stands for; the body is left off on the wire.
  msg.method = head_ ? std::string{"GET"} : method_;
  msg.route = target_route.pattern;
  msg.path = path_;
  if (q != std::string_view::npos)
    msg.query = std::string{target.substr(q + 1)};
  msg.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
  for (const auto& field : req) {
    std::string name{field.name_string()};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    msg.headers.emplace_back(std::move(name), std::string{field.value()});
  }
  msg.body = std::move(req.body());
  msg.request_id = request_id_;
  msg.remote_ip = remote_ip_;
  msg.params = std::move(match.params);
  msg.auth = std::move(who);
  ++seq_;
  msg.reply = std::make_shared<session_responder>(weak_from_this(), seq_, ctx_.gate);
  awaiting_ = true;
  watch(phase::awaiting, ctx_.limits.handler_timeout);
  if (external)
    dispatch(ctx_.auth->external()->resolver(), std::move(msg), target_route.handler);
  else
    dispatch(target_route.handler, std::move(msg));
}

void http_session::on_answer(uint64_t seq, http_response res) {
  if (seq != seq_ || !awaiting_)
    return; // answered already (timeout) or the connection moved on
  awaiting_ = false;
  const bool keep_alive = request_keep_alive_ && !ctx_.shutting_down.load();
  response_ = {};
  build_response(response_, std::move(res), request_id_, ctx_.hsts, keep_alive);
  send(keep_alive);
}

void http_session::on_failure(uint64_t seq, gh_errc code, std::string detail,
                              std::vector<field_error> errors) {
  if (seq != seq_ || !awaiting_)
    return;
  awaiting_ = false;
  send_problem(make_problem(code, std::move(detail), request_id_, std::move(errors)),
               request_keep_alive_);
}

void http_session::send_problem(const problem& p, bool keep_alive) {
  keep_alive = keep_alive && !ctx_.shutting_down.load();
  // Allow (405), Upgrade (426) and WWW-Authenticate (401) were set by the caller; everything
  // else starts afresh.
  std::vector<std::pair<http::field, std::string>> kept;
  for (const auto f : {http::field::allow, http::field::upgrade, http::field::www_authenticate,
                       http::field::sec_websocket_version, http::field::retry_after})
    if (auto it = response_.find(f); it != response_.end())
      kept.emplace_back(f, std::string{it->value()});
  response_ = {};
  for (const auto& [f, value] : kept)
    response_.set(f, value);
  build_problem(response_, p, ctx_.hsts, keep_alive);
  send(keep_alive);
}

void http_session::send(bool keep_alive) {
  if (!ctx_.limits.cors_origins.empty()) {
    // Answers differ by Origin once front ends are listed: caches must keep them apart.
    response_.set(http::field::vary, "Origin");
    if (!cors_origin_.empty()) {
      response_.set(http::field::access_control_allow_origin, cors_origin_);
      response_.set(http::field::access_control_allow_credentials, "true");
      response_.set(http::field::access_control_expose_headers, "X-Request-Id, Retry-After");
    }
  }
  log_access(static_cast<int>(response_.result_int()));
  serialize_head(response_, wire_head_);
  watch(phase::writing, ctx_.limits.read_timeout);
  // The head and the body go out in one gathered write; both stay put until on_write. A HEAD
  // answer keeps the GET's Content-Length and sends no body.
  const std::array<net::const_buffer, 2> wire{
      net::buffer(wire_head_), head_ ? net::const_buffer{} : net::buffer(response_.body())};
  net::async_write(
      socket_, wire,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
  phase_ = phase::none;
  if (!ec && linger_) {
    linger();
    return;
  }
  if (ec || !keep_alive) {
    close();
    return;
  }
  response_ = {};
  wait_for_request();
}

void http_session::linger() {
  // As nginx's lingering close: no more is sent, and what the client still sends is read and
  // dropped until it closes, for at most `linger_time`, so its unread answer is not destroyed
  // by a reset.
  linger_ = false;
  beast::error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  watch(phase::lingering, linger_time);
  drain();
}

void http_session::drain() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec || self->phase_ != phase::lingering) {
                              self->close();
                              return;
                            }
                            self->drain();
                          });
}

void http_session::close() {
  phase_ = phase::none;
  watchdog_.cancel();
  beast::error_code ec;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
  socket_.close(ec);
}

void http_session::log_access(int status) {
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  ctx_.stats->observe_http(metrics_slot_, status, seconds);
  // Paths are ASCII by RFC 3986; anything else is shown percent-encoded, so the line stays JSON.
  const bool plain = std::all_of(path_.begin(), path_.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f &&
           c != '"' && c != '\\';
  });
  log::access(request_id_, method_, plain ? path_ : printable_path(path_), status, seconds * 1000.0,
              remote_ip_);
}

} // namespace gh
