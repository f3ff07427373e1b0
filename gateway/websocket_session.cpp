#include "gateway/websocket_session.hpp"

#include "config/log.hpp"
#include "gateway/dispatch.hpp"
#include "messages/problem.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>

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
  session_sink(std::weak_ptr<websocket_session> session, std::shared_ptr<io_gate> gate, uint64_t id)
      : session_(std::move(session)), gate_(std::move(gate)), id_(id) {}

  uint64_t connection_id() const noexcept override { return id_; }

  void push(std::string frame) override {
    post([frame = std::move(frame)](websocket_session& s) mutable { s.enqueue(std::move(frame)); });
  }

  void close(ws_close code, std::string reason) override {
    post([code, reason = std::move(reason)](websocket_session& s) mutable {
      s.do_close(code, std::move(reason));
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
};

} // namespace

websocket_session::websocket_session(net::ip::tcp::socket&& socket, gateway_context& ctx,
                                     std::string remote_ip)
    : ws_(std::move(socket)), ctx_(ctx), remote_ip_(std::move(remote_ip)),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)) {}

websocket_session::~websocket_session() {
  if (tracker_id_ != 0)
    ctx_.tracker.remove(tracker_id_);
  if (open_)
    ctx_.stats->websockets_open.fetch_sub(1, std::memory_order_relaxed);
  if (!user_id_.empty() && ctx_.sinks != nullptr)
    ctx_.sinks->detach(user_id_, id_);
}

void websocket_session::run(beast::http::request<beast::http::string_body> req,
                            std::string request_id, principal who, bool bearer_protocol) {
  user_id_ = who.user_id;
  who_ = std::move(who);
  tracker_id_ = ctx_.tracker.add(weak_from_this());
  sink_ = std::make_shared<session_sink>(weak_from_this(), ctx_.gate, id_);
  request_id_ = std::move(request_id);
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  // The message limit is enforced in do_read/on_read rather than by Beast: Beast fails an
  // over-limit message by closing the socket with the rest of the frame unread, and the
  // kernel's reset can then destroy the 1009 close frame before the client reads it.
  ws_.read_message_max(0);
  ws_.set_option(websocket::stream_base::decorator(
      [id = request_id_, bearer_protocol](websocket::response_type& res) {
        res.set("X-Request-Id", id);
        if (bearer_protocol)
          res.set(beast::http::field::sec_websocket_protocol, "bearer");
      }));
  tokens_ = ctx_.limits.ws_frames_per_second;
  refilled_ = std::chrono::steady_clock::now();
  ws_.async_accept(req,
                   beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec)
    return;
  open_ = true;
  ctx_.stats->websockets_open.fetch_add(1, std::memory_order_relaxed);
  if (!user_id_.empty() && ctx_.sinks != nullptr)
    ctx_.sinks->attach(user_id_, sink_);
  log::info("websocket open",
            {{"request_id", request_id_}, {"connection", id_}, {"remote", remote_ip_}});
  if (ctx_.shutting_down.load()) {
    do_close(ws_close::going_away, "server shutting down");
    return;
  }
  do_read();
}

void websocket_session::do_read() {
  // One byte past the limit is enough to know a message is too big.
  const std::size_t room = ctx_.limits.ws_message_limit + 1 - buffer_.size();
  ws_.async_read_some(buffer_, std::min<std::size_t>(room, 64 * 1024),
                      beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Beast has answered the client's close frame or failed the connection; nothing more to
    // read.
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
    enqueue(rate_limited_frame());
  } else {
    dispatch(ctx_.console, ws_frame{id_, user_id_, std::move(text), sink_, who_, remote_ip_});
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

void websocket_session::enqueue(std::string frame) {
  if (closing_)
    return;
  if (queue_.size() >= ctx_.limits.ws_queue_limit) {
    do_close(ws_close::policy_violation, "client too slow");
    return;
  }
  queue_.push_back(std::move(frame));
  if (!writing_)
    do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec)
    return;
  ctx_.stats->ws_frames_out.fetch_add(1, std::memory_order_relaxed);
  queue_.pop_front();
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

void websocket_session::do_close(ws_close code, std::string reason) {
  if (closing_ || !open_)
    return;
  closing_ = true;
  if (writing_) {
    // The frame being written must stay alive until its write completes.
    queue_.erase(queue_.begin() + 1, queue_.end());
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
