#include "gateway/proxy_session.hpp"

#include "config/log.hpp"
#include "gateway/dispatch.hpp"
#include "gateway/proxy_exchange.hpp"
#include "gateway/proxy_headers.hpp"
#include "gateway/proxy_ws.hpp"
#include "gateway/request_id.hpp"
#include "gateway/request_parse.hpp"
#include "gateway/responses.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

namespace gh::proxy_detail {

namespace {

/// True when `path` holds a `.` or `..` segment, plain or percent-encoded: the upstream would
/// resolve it, perhaps out of its base path.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    std::string segment;
    for (std::size_t i = start; i < end; ++i) {
      if (path[i] == '%' && i + 2 < end && path[i + 1] == '2' &&
          (path[i + 2] == 'e' || path[i + 2] == 'E')) {
        segment.push_back('.');
        i += 2;
      } else {
        segment.push_back(path[i]);
      }
    }
    if (segment == "." || segment == "..")
      return true;
    start = end + 1;
  }
  return false;
}

} // namespace

void proxy_exchange::run() {
  tracker_id_ = ctx_.tracker.add(weak_from_this());
  req_.emplace();
  req_->header_limit(static_cast<std::uint32_t>(ctx_.limits.header_limit));
  req_->body_limit(up_.settings().body_limit);
  arm(ctx_.limits.read_timeout, stage::client);
  http::async_read_header(
      client_, buffer_, *req_,
      beast::bind_front_handler(&proxy_exchange::on_request_head, shared_from_this()));
}

void proxy_exchange::arm(std::chrono::milliseconds after, stage s) {
  // The one wait moves only to an earlier deadline; a later one is picked up when it fires, so
  // the steps of a fast exchange do not cancel and re-post a wait each.
  stage_ = s;
  deadline_ = std::chrono::steady_clock::now() + after;
  if (timer_pending_ && timer_.expiry() <= deadline_)
    return;
  timer_.expires_at(deadline_);
  timer_pending_ = true;
  timer_.async_wait([weak = weak_from_this(), generation = ++generation_](beast::error_code ec) {
    auto self = weak.lock();
    if (!self || generation != self->generation_)
      return;
    self->timer_pending_ = false;
    if (ec)
      return;
    if (std::chrono::steady_clock::now() < self->deadline_) {
      self->arm(std::chrono::duration_cast<std::chrono::milliseconds>(
                    self->deadline_ - std::chrono::steady_clock::now()) +
                    std::chrono::milliseconds{1},
                self->stage_);
      return;
    }
    self->on_timeout();
  });
}

void proxy_exchange::disarm() {
  ++generation_;
  timer_pending_ = false;
  timer_.cancel();
}

void proxy_exchange::on_timeout() {
  timed_out_ = true;
  beast::error_code ignored;
  if (stage_ == stage::upstream && upstream_) {
    upstream_->cancel(ignored); // the pending step answers 504
    if (resolver_)
      resolver_->cancel();
    return;
  }
  if (upstream_)
    upstream_->close(ignored);
  client_.close(ignored);
}

proxy_pool& proxy_exchange::pool() {
  net::execution_context& io = client_.get_executor().context();
  return net::use_service<proxy_pool>(io);
}

void proxy_exchange::on_request_head(beast::error_code ec, std::size_t /*n*/) {
  request_id_ = new_request_id();
  if (ec) {
    if (ec == http::error::header_limit)
      refuse(plain(431, "headers-too-large", "Request header fields too large",
                   "the request headers are too large"));
    else if (ec == http::error::end_of_stream || ec == net::error::eof ||
             ec == net::error::connection_reset || ec == net::error::operation_aborted)
      close_client();
    else
      refuse(plain(400, "validation", "Invalid request", "malformed HTTP request"));
    return;
  }
  auto& req = req_->get();
  if (auto it = req.find("X-Request-Id"); it != req.end() && is_sane_request_id(it->value()))
    request_id_ = std::string{it->value()};
  method_ = std::string{req.method_string()};
  head_ = req.method() == http::verb::head;
  const std::string_view target = req.target();
  const auto q = target.find('?');
  path_ = std::string{target.substr(0, q)};
  keep_alive_ = req_->keep_alive() && !ctx_.shutting_down.load();
  if (!ctx_.limits.cors_origins.empty())
    if (auto origin = req.find(http::field::origin); origin != req.end()) {
      const auto& allowed = ctx_.limits.cors_origins;
      if (std::find(allowed.begin(), allowed.end(), origin->value()) != allowed.end())
        cors_origin_ = std::string{origin->value()};
    }
  // Framing a peer could read otherwise (smuggling): refused before anything is forwarded.
  if (auto problem = framing_problem(req)) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    refuse(plain(400, "validation", "Invalid request", *problem), true);
    return;
  }
  if (has_dot_segment(path_) || target.find('#') != std::string_view::npos) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    refuse(plain(400, "validation", "Invalid request", "the path has a dot segment"));
    return;
  }
  has_body_ = req.chunked() || req_->content_length().value_or(0) > 0;
  upgrade_ = beast::websocket::is_upgrade(req);
  if (upgrade_) {
    if (auto refused = websocket_handshake_problem(req)) {
      ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
      if (refused->status == 426)
        extra_ = {{"Sec-WebSocket-Version", "13"}};
      refuse(plain(refused->status, refused->status == 426 ? "upgrade-required" : "validation",
                   refused->status == 426 ? "Upgrade required" : "Invalid request",
                   refused->detail),
             true);
      return;
    }
  }
  if (!authenticate(req))
    return;
  proceed();
}

void proxy_exchange::proceed() {
  auto& req = req_->get();
  const std::string_view target = req.target();
  const auto q = target.find('?');
  const std::string rate_key = who_.is_user() ? who_.user_id : "ip:" + remote_ip_;
  if (int64_t retry = 0; !up_.spend(rate_key, retry)) {
    extra_ = {{"Retry-After", std::to_string(retry)}};
    refuse(make_problem(gh_errc::rate_limited,
                        "too many requests to " + up_.settings().name + "; try again later",
                        request_id_));
    return;
  }
  if (req_->content_length() && *req_->content_length() > up_.settings().body_limit) {
    refuse(make_problem(gh_errc::payload_too_large,
                        "the body exceeds " + std::to_string(up_.settings().body_limit) + " bytes",
                        request_id_));
    return;
  }
  prepare_upstream_request(req,
                           q == std::string_view::npos ? std::string_view{} : target.substr(q));
  if (upgrade_) {
    // The connection leaves for the WebSocket relay (gateway/proxy_ws.hpp).
    finished_ = true;
    disarm();
    ws_relay_request relay{req_->release(),
                           std::move(up_req_.base()),
                           offered_protocols(req),
                           bearer_protocol_,
                           request_id_,
                           remote_ip_};
    relay_websocket(std::move(client_), std::move(buffer_), ctx_, index_, std::move(relay));
    return;
  }
  const auto ct = req.find(http::field::content_type);
  collect_ = up_.settings().inject_user_id && who_.is_user() && has_body_ && ct != req.end() &&
             is_json_content_type(ct->value());
  if (collect_ && req_->content_length().value_or(0) > ctx_.limits.body_limit) {
    refuse(make_problem(gh_errc::payload_too_large,
                        "a JSON body that gets user_id is limited to " +
                            std::to_string(ctx_.limits.body_limit) + " bytes",
                        request_id_));
    return;
  }
  if (has_body_ && expects_continue(req)) {
    // The client waits for this before sending its body (RFC 9110 §10.1.1).
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(client_, net::buffer(interim.data(), interim.size()),
                     [self = shared_from_this()](beast::error_code wec, std::size_t) {
                       if (wec) {
                         self->close_client();
                         return;
                       }
                       self->start_forwarding();
                     });
    return;
  }
  start_forwarding();
}

bool proxy_exchange::authenticate(const http::request_header<>& req) {
  if (ctx_.auth == nullptr || up_.settings().auth == config::upstream_auth::none)
    return true;
  const auto field = [&req](http::field f) {
    auto it = req.find(f);
    return it == req.end() ? std::string_view{} : std::string_view{it->value()};
  };
  auto csrf = req.find("X-CSRF-Token");
  const authenticator::input in{
      method_, field(http::field::authorization), field(http::field::cookie),
      csrf == req.end() ? std::string_view{} : std::string_view{csrf->value()},
      field(http::field::origin)};
  // A WebSocket is opened with GET, which no CSRF token guards: as for the console, the
  // cookie counts only with our own Origin, and a bearer token may come as a subprotocol.
  auto outcome =
      upgrade_ ? ctx_.auth->authenticate_upgrade(field(http::field::sec_websocket_protocol),
                                                 in.cookie, in.origin, unix_now(), bearer_protocol_)
               : ctx_.auth->authenticate(in, unix_now());
  if (outcome.error == gh_errc::forbidden || outcome.error == gh_errc::validation) {
    refuse(make_problem(outcome.error, outcome.detail, request_id_));
    return false;
  }
  if (outcome.external) {
    // A provider's token not seen lately: its resolver settles it; `proceed` follows.
    auto token = in.authorization.substr(std::min<std::size_t>(7, in.authorization.size()));
    resolve_external(std::string{token});
    return false;
  }
  const bool user = outcome.error == gh_errc::ok && outcome.who.is_user();
  if (!user && up_.settings().auth == config::upstream_auth::user) {
    extra_ = {{"WWW-Authenticate", "Bearer"}};
    refuse(make_problem(gh_errc::unauthorized,
                        outcome.error != gh_errc::ok ? outcome.detail
                                                     : "a valid access token is required",
                        request_id_));
    return false;
  }
  if (user)
    who_ = std::move(outcome.who);
  return true;
}

void proxy_exchange::resolve_external(std::string token) {
  token_query query;
  query.token = std::move(token);
  query.request_id = request_id_;
  query.remote_ip = remote_ip_;
  query.done = [self = shared_from_this()](std::optional<principal> who, gh_errc error,
                                           std::string detail) {
    auto executor = self->client_.get_executor();
    net::post(executor, [self = std::move(self), who = std::move(who), error,
                         detail = std::move(detail)]() mutable {
      self->on_resolved(std::move(who), error, std::move(detail));
    });
  };
  dispatch(ctx_.auth->external()->resolver(), std::move(query));
}

void proxy_exchange::on_resolved(std::optional<principal> who, gh_errc error, std::string detail) {
  if (!client_.is_open())
    return; // the client left, or its deadline passed, while the token was settled
  if (!who) {
    if (error != gh_errc::provider_unavailable)
      extra_ = {{"WWW-Authenticate", "Bearer"}};
    refuse(make_problem(error, detail, request_id_));
    return;
  }
  who_ = std::move(*who);
  proceed();
}

std::string proxy_exchange::offered_protocols(const http::request_header<>& req) const {
  std::string out;
  auto it = req.find(http::field::sec_websocket_protocol);
  if (it == req.end())
    return out;
  std::string_view list = it->value();
  bool skip_next = false;
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (skip_next || item == "bearer") {
      skip_next = bearer_protocol_ && item == "bearer";
      continue;
    }
    if (!item.empty())
      out.append(out.empty() ? "" : ", ").append(item);
  }
  return out;
}

void proxy_exchange::prepare_upstream_request(const http::request_header<>& req,
                                              std::string_view query) {
  const auto& s = up_.settings();
  std::string upstream_target = s.base_path;
  upstream_target.append(std::string_view{path_}.substr(s.prefix.size()));
  if (upstream_target.empty())
    upstream_target = "/";
  upstream_target.append(query);
  up_req_ = {};
  up_req_.method_string(req.method_string());
  up_req_.target(upstream_target);
  up_req_.version(11);
  const auto identity = up_.identity_token(who_, unix_now());
  const cookie_names* names = ctx_.auth != nullptr ? &ctx_.auth->names() : nullptr;
  build_upstream_fields(req,
                        {request_id_, remote_ip_, ctx_.proxy->proto(), up_.host_header(), names},
                        {who_.user_id, who_.tenant_id, identity}, up_req_);
  if (req_->chunked())
    up_req_.chunked(true);
  else if (has_body_)
    up_req_.content_length(*req_->content_length());
}

void proxy_exchange::start_forwarding() {
  if (collect_) {
    collected_.reserve(req_->content_length().value_or(proxy_chunk_bytes));
    read_client_body();
    return;
  }
  connect();
}

void proxy_exchange::read_client_body() {
  if (req_->is_done()) {
    if (collect_)
      inject_user_id();
    else
      send_body_piece(0);
    return;
  }
  req_->get().body().data = chunk_.get();
  req_->get().body().size = proxy_chunk_bytes;
  arm(ctx_.limits.read_timeout, stage::client);
  http::async_read_some(
      client_, buffer_, *req_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_client_body(ec); });
}

void proxy_exchange::on_client_body(beast::error_code ec) {
  if (ec == http::error::need_buffer)
    ec = {};
  if (ec) {
    if (ec == http::error::body_limit && !response_started_)
      refuse(make_problem(gh_errc::payload_too_large, "the body is too large", request_id_));
    else
      abort();
    return;
  }
  const auto got = proxy_chunk_bytes - req_->get().body().size;
  if (collect_) {
    if (collected_.size() + got > ctx_.limits.body_limit) {
      refuse(make_problem(gh_errc::payload_too_large, "the JSON body is too large", request_id_));
      return;
    }
    collected_.append(chunk_.get(), got);
    read_client_body();
    return;
  }
  if (got == 0) {
    read_client_body();
    return;
  }
  send_body_piece(got);
}

void proxy_exchange::inject_user_id() {
  auto parsed = parse_untrusted_json(collected_, json_limits{ctx_.limits.body_limit, 64});
  if (auto* error = std::get_if<json_error>(&parsed)) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    refuse(
        make_problem(gh_errc::validation, error->message, request_id_, {{"body", error->message}}));
    return;
  }
  if (auto* object = std::get<boost::json::value>(parsed).if_object()) {
    (*object)["user_id"] = who_.user_id;
    collected_ = boost::json::serialize(*object);
  }
  up_req_.chunked(false);
  up_req_.content_length(collected_.size());
  connect();
}

} // namespace gh::proxy_detail

namespace gh {

void serve_proxy(http_session::socket_type&& socket, boost::beast::flat_buffer&& buffer,
                 gateway_context& ctx, std::string remote_ip, std::size_t upstream) {
  std::make_shared<proxy_detail::proxy_exchange>(std::move(socket), std::move(buffer), ctx,
                                                 std::move(remote_ip), upstream)
      ->run();
}

} // namespace gh
