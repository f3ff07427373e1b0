#include "gateway/websocket_session.hpp"

#include "config/log.hpp"
#include "gateway/dispatch.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"
#include "messages/problem.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <optional>
#include <sstream>

namespace gh {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

std::atomic<uint64_t> next_connection_id{1};

std::string rate_limited_frame() {
  boost::json::object o;
  o["id"] = nullptr; // the frame was not read, so its id is unknown
  o["ok"] = false;
  o["error"] = boost::json::parse(
      to_json(make_problem(gh_errc::rate_limited, "too many frames; slow down")));
  return boost::json::serialize(o);
}

/// What actors hold for a connection: posts onto the session's strand while both the session
/// and the io_context exist, and does nothing after.
class session_sink final : public connection_sink {
public:
  /// `replies`: the console answers commands through this sink; otherwise it carries pushes.
  session_sink(std::weak_ptr<websocket_session> session, std::shared_ptr<io_gate> gate, uint64_t id,
               bool replies)
      : session_(std::move(session)), gate_(std::move(gate)), id_(id), replies_(replies) {}

  uint64_t connection_id() const noexcept override { return id_; }

  void push(shared_frame frame) override {
    post([frame = std::move(frame), replies = replies_](websocket_session& s) mutable {
      if (replies)
        s.deliver_reply(std::move(frame));
      else
        s.deliver_push(std::move(frame));
    });
  }

  void close(ws_close code, std::string reason) override {
    post([code, reason = std::move(reason)](websocket_session& s) mutable {
      s.revoke(code, std::move(reason));
    });
  }

private:
  template <class Fn>
  void post(Fn fn) {
    gate_->post_to(session_, std::move(fn));
  }

  std::weak_ptr<websocket_session> session_;
  std::shared_ptr<io_gate> gate_;
  uint64_t id_;
  bool replies_;
};

} // namespace

websocket_session::websocket_session(net::ip::tcp::socket&& socket, gateway_context& ctx,
                                     std::string remote_ip)
    : ws_(std::move(socket)), ctx_(ctx), remote_ip_(std::move(remote_ip)),
      expiry_(ws_.get_executor()), queue_(ctx_.limits.ws_queue_limit, ctx_.limits.ws_queue_bytes),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)) {}

websocket_session::~websocket_session() {
  if (tracker_id_ != 0)
    ctx_.tracker.remove(tracker_id_);
  if (open_)
    ctx_.stats->websockets_open.fetch_sub(1, std::memory_order_relaxed);
  if (!user_id_.empty() && ctx_.sinks != nullptr)
    ctx_.sinks->detach(user_id_, id_);
  if (holds_place_)
    ctx_.sinks->release(user_id_);
  ctx_.ws_sessions.remove(session_id_, id_);
  ctx_.ws_sessions.remove(token_id_, id_);
}

void websocket_session::run(const beast::http::request<beast::http::string_body>& req,
                            const std::string& early, std::string request_id, principal who,
                            bool bearer_protocol) {
  who_ = who;
  user_id_ = std::move(who.user_id);
  session_id_ = std::move(who.session_id);
  token_id_ = std::move(who.token_id);
  expires_at_ = who.expires_at;
  holds_place_ = !user_id_.empty() && ctx_.sinks != nullptr;
  tracker_id_ = ctx_.tracker.add(weak_from_this());
  sink_ = std::make_shared<session_sink>(weak_from_this(), ctx_.gate, id_, false);
  reply_sink_ = std::make_shared<session_sink>(weak_from_this(), ctx_.gate, id_, true);
  request_id_ = std::move(request_id);
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  // The message limit is enforced in do_read/on_read rather than by Beast: Beast fails an
  // over-limit message by closing the socket with the rest of the frame unread, and the
  // kernel's reset can then destroy the 1009 close frame before the client reads it.
  ws_.read_message_max(0);
  ws_.set_option(websocket::stream_base::decorator(
      [id = request_id_, bearer_protocol](websocket::response_type& res) {
        // Named, so Beast adds no `Server: Boost.Beast/<version>` of its own.
        res.set(beast::http::field::server, "gatehouse");
        res.set("X-Request-Id", id);
        if (bearer_protocol)
          res.set(beast::http::field::sec_websocket_protocol, "bearer");
      }));
  // Pings count against the frame rate like any frame.
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping && !take_token()) {
      ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
      net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->do_close(ws_close::policy_violation, "too many frames");
      });
    }
  });
  tokens_ = ctx_.limits.ws_frames_per_second;
  refilled_ = std::chrono::steady_clock::now();
  // Beast reads the handshake again from these bytes and keeps what follows it (frames the
  // client sent in the same packet) for the first reads.
  std::ostringstream wire;
  wire << req;
  accept_bytes_ = wire.str() + early;
  ws_.async_accept(net::buffer(accept_bytes_),
                   beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  accept_bytes_ = {};
  if (ec)
    return;
  open_ = true;
  ctx_.stats->websockets_open.fetch_add(1, std::memory_order_relaxed);
  if (holds_place_) {
    ctx_.sinks->attach(user_id_, sink_);
    holds_place_ = false;
  }
  bind(session_id_, token_id_);
  log::info("websocket open",
            {{"request_id", request_id_}, {"connection", id_}, {"remote", remote_ip_}});
  if (ctx_.shutting_down.load()) {
    do_close(ws_close::going_away, "server shutting down");
    return;
  }
  // Revoked between the handshake's check and now: the index did not know this socket yet.
  if (ctx_.auth != nullptr && (ctx_.auth->is_revoked(session_id_, unix_now()) ||
                               ctx_.auth->is_revoked(token_id_, unix_now()))) {
    do_close(ws_close::policy_violation, "session revoked");
    return;
  }
  arm_expiry();
  do_read();
}

void websocket_session::bind(const std::string& session_id, const std::string& token_id) {
  ctx_.ws_sessions.add(session_id, id_, sink_);
  ctx_.ws_sessions.add(token_id, id_, sink_);
}

void websocket_session::arm_expiry() {
  if (expires_at_ <= 0)
    return;
  expiry_.expires_after(std::chrono::seconds{std::max<int64_t>(expires_at_ - unix_now(), 0)});
  expiry_.async_wait(beast::bind_front_handler(&websocket_session::on_expiry, shared_from_this()));
}

void websocket_session::on_expiry(beast::error_code ec) {
  if (ec || closing_)
    return;
  if (unix_now() < expires_at_) {
    arm_expiry(); // a fresh token arrived in the meantime
    return;
  }
  do_close(ws_close::policy_violation, "access token expired; send an auth frame or reconnect");
}

bool websocket_session::handle_auth(const std::string& text) {
  if (text.find("\"auth\"") == std::string::npos)
    return false;
  auto parsed = parse_untrusted_json(text, json_limits{ctx_.limits.ws_message_limit, 8});
  auto* value = std::get_if<boost::json::value>(&parsed);
  const auto* frame = value != nullptr ? value->if_object() : nullptr;
  const auto* cmd = frame != nullptr ? frame->if_contains("cmd") : nullptr;
  if (cmd == nullptr || !cmd->is_string() || cmd->get_string() != "auth")
    return false;
  boost::json::object reply;
  reply["id"] = frame->contains("id") ? frame->at("id") : boost::json::value(nullptr);
  const auto* args = frame->if_contains("args");
  const auto* token =
      args != nullptr && args->is_object() ? args->as_object().if_contains("token") : nullptr;
  std::optional<problem> refused;
  if (token == nullptr || !token->is_string() || ctx_.auth == nullptr) {
    refused = make_problem(gh_errc::validation, "an auth frame carries args.token", request_id_,
                           {{"token", "is required"}});
  } else {
    auto outcome = ctx_.auth->authenticate_token(token->get_string(), unix_now());
    if (outcome.error != gh_errc::ok)
      refused = make_problem(gh_errc::unauthorized, outcome.detail, request_id_);
    else if (outcome.who.user_id != user_id_)
      refused = make_problem(gh_errc::forbidden, "the token belongs to another user", request_id_);
    else {
      ctx_.ws_sessions.remove(session_id_, id_);
      ctx_.ws_sessions.remove(token_id_, id_);
      who_ = outcome.who;
      session_id_ = std::move(outcome.who.session_id);
      token_id_ = std::move(outcome.who.token_id);
      expires_at_ = outcome.who.expires_at;
      bind(session_id_, token_id_);
      reply["ok"] = true;
      reply["result"] =
          boost::json::object{{"expires_at", to_rfc3339(std::chrono::system_clock::from_time_t(
                                                 static_cast<std::time_t>(expires_at_)))}};
    }
  }
  if (refused) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    reply["ok"] = false;
    reply["error"] = boost::json::parse(to_json(*refused));
  }
  enqueue(make_frame(boost::json::serialize(reply)));
  return true;
}

void websocket_session::do_read() {
  // One byte past the limit is enough to know a message is too big.
  const std::size_t room = ctx_.limits.ws_message_limit + 1 - buffer_.size();
  ws_.async_read_some(buffer_, std::min<std::size_t>(room, std::size_t{64} * 1024),
                      beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t /*n*/) {
  if (ec) {
    // Beast has answered the client's close frame or failed the connection; nothing more to
    // read. The expiry timer must not keep the session alive.
    expiry_.cancel();
    log::info("websocket closed", {{"connection", id_}, {"reason", ec.message()}});
    return;
  }
  if (buffer_.size() > ctx_.limits.ws_message_limit) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    buffer_.consume(buffer_.size());
    // The close handshake drains the rest of the message, so the 1009 arrives intact.
    do_close(ws_close::too_big, "message too big");
    return;
  }
  if (!ws_.is_message_done()) {
    do_read();
    return;
  }
  ctx_.stats->ws_frames_in.fetch_add(1, std::memory_order_relaxed);
  if (!ws_.got_text()) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    do_close(ws_close::unsupported_data, "text frames only");
    return;
  }
  auto text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (!take_token()) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    enqueue(make_frame(rate_limited_frame()));
  } else if (revoked_) {
    // Revoked: no new command runs; the socket closes once the ones in flight answered.
  } else if (!handle_auth(text)) {
    ++in_flight_;
    dispatch(ctx_.console, ws_frame{id_, user_id_, std::move(text), reply_sink_, who_, remote_ip_});
  }
  do_read();
}

bool websocket_session::take_token() {
  const auto now = std::chrono::steady_clock::now();
  const double rate = ctx_.limits.ws_frames_per_second;
  tokens_ = std::min(rate, tokens_ + std::chrono::duration<double>(now - refilled_).count() * rate);
  refilled_ = now;
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

void websocket_session::enqueue(shared_frame frame) {
  if (closing_)
    return;
  if (!queue_.push(std::move(frame))) {
    do_close(ws_close::policy_violation, "client too slow");
    return;
  }
  if (!writing_)
    do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t /*n*/) {
  writing_ = false;
  if (ec)
    return;
  ctx_.stats->ws_frames_out.fetch_add(1, std::memory_order_relaxed);
  queue_.pop();
  if (close_pending_) {
    close_pending_ = false;
    closing_ = false;
    do_close(pending_code_, std::move(pending_reason_));
    return;
  }
  if (!queue_.empty() && !closing_)
    do_write();
}

void websocket_session::begin_shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->do_close(ws_close::going_away, "server shutting down");
  });
}

void websocket_session::deliver_push(shared_frame frame) {
  if (!revoked_)
    enqueue(std::move(frame));
}

void websocket_session::deliver_reply(shared_frame frame) {
  if (in_flight_ > 0)
    --in_flight_;
  enqueue(std::move(frame));
  if (revoked_ && in_flight_ == 0)
    do_close(pending_code_, pending_reason_);
}

void websocket_session::revoke(ws_close code, std::string reason) {
  if (closing_ || revoked_)
    return;
  if (in_flight_ == 0) {
    do_close(code, std::move(reason));
    return;
  }
  // The command that ended the session (a /logout) still gets its answer: pushes stop now, no
  // new command runs, and the socket closes when the answers in flight arrived, or at the latest
  // after a second.
  revoked_ = true;
  pending_code_ = code;
  pending_reason_ = std::move(reason);
  expiry_.cancel();
  expiry_.expires_after(std::chrono::seconds{1});
  expiry_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->do_close(self->pending_code_, self->pending_reason_);
  });
}

void websocket_session::do_close(ws_close code, std::string reason) {
  if (closing_ || !open_)
    return;
  closing_ = true;
  expiry_.cancel();
  if (writing_) {
    // The frame being written must stay alive until its write completes.
    queue_.drop_behind_front();
    // Beast allows no close while a write is in flight: close right after it.
    close_pending_ = true;
    pending_code_ = code;
    pending_reason_ = std::move(reason);
    return;
  }
  queue_.clear();
  websocket::close_reason why{static_cast<websocket::close_code>(static_cast<uint16_t>(code)),
                              reason};
  ws_.async_close(why, [self = shared_from_this()](beast::error_code) {});
}

} // namespace gh
