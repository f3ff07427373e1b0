#include "gateway/server.hpp"

#include "config/log.hpp"
#include "gateway/listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>

namespace gh {

namespace net = boost::asio;

uint64_t connection_tracker::add(const std::weak_ptr<tracked_session>& session) {
  std::lock_guard guard{mutex_};
  const auto id = next_id_++;
  sessions_.emplace(id, session);
  return id;
}

void connection_tracker::remove(uint64_t id) {
  std::lock_guard guard{mutex_};
  sessions_.erase(id);
}

std::size_t connection_tracker::size() const {
  std::lock_guard guard{mutex_};
  return sessions_.size();
}

void connection_tracker::shutdown_all() {
  std::vector<std::shared_ptr<tracked_session>> live;
  {
    std::lock_guard guard{mutex_};
    for (auto& [id, weak] : sessions_)
      if (auto s = weak.lock())
        live.push_back(std::move(s));
  }
  for (auto& s : live)
    s->begin_shutdown();
}

server::server(gateway_context& ctx) : ctx_(ctx), ioc_(static_cast<int>(ctx.limits.io_threads)) {}

server::~server() {
  // Actors may still hold responders and sinks; from now on their posts are dropped.
  ctx_.gate->close();
}

net::ip::tcp::endpoint server::bind(const std::string& host, uint16_t port) {
  listener_ = std::make_shared<listener>(ioc_, ctx_);
  listener_->open({net::ip::make_address(host), port});
  return listener_->local_endpoint();
}

void server::run(const std::function<void()>& on_listening) {
  net::signal_set signals{ioc_, SIGINT, SIGTERM};
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec)
      return;
    log::info("shutdown requested", {{"signal", sig}});
    shutdown();
  });
  listener_->run();
  if (on_listening)
    on_listening();
  std::vector<std::jthread> threads;
  for (unsigned i = 1; i < ctx_.limits.io_threads; ++i)
    threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads)
    t.join();
}

void server::request_stop() {
  net::post(ioc_, [this] { shutdown(); });
}

void server::shutdown() {
  if (ctx_.shutting_down.exchange(true))
    return;
  listener_->stop();
  ctx_.tracker.shutdown_all();
  drain_deadline_ = std::chrono::steady_clock::now() + ctx_.limits.shutdown_grace;
  drain_timer_ = std::make_unique<net::steady_timer>(ioc_);
  drain();
}

void server::drain() {
  // Poll until every connection has ended or the grace period is over.
  const auto open = ctx_.tracker.size();
  if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
    if (open != 0)
      log::warn("grace period over, closing remaining connections",
                {{"open", static_cast<uint64_t>(open)}});
    ioc_.stop();
    return;
  }
  drain_timer_->expires_after(std::chrono::milliseconds{20});
  drain_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec)
      drain();
  });
}

} // namespace gh
