#include "gateway/server.hpp"

#include "config/log.hpp"
#include "gateway/listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>
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

server::server(gateway_context& ctx) : ctx_(ctx) {
  for (unsigned i = 0; i < std::max(1U, ctx.limits.io_threads); ++i)
    iocs_.push_back(std::make_unique<net::io_context>(1));
}

server::~server() {
  // Actors may still hold responders and sinks; from now on their posts are dropped.
  ctx_.gate->close();
}

net::ip::tcp::endpoint server::bind(const std::string& host, uint16_t port) {
  net::ip::tcp::endpoint endpoint{net::ip::make_address(host), port};
  listeners_.clear();
  for (auto& ioc : iocs_) {
    auto l = std::make_shared<listener>(*ioc, ctx_);
    l->open(endpoint);
    // Port 0: the first bind chose one; the other threads' listeners join it.
    endpoint = l->local_endpoint();
    listeners_.push_back(std::move(l));
  }
  return endpoint;
}

void server::run(const std::function<void()>& on_listening) {
  auto& main_ioc = *iocs_.front();
  net::signal_set signals{main_ioc, SIGINT, SIGTERM};
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec)
      return;
    log::info("shutdown requested", {{"signal", sig}});
    shutdown();
  });
  // The other threads' io_contexts must not run out of work before shutdown says so.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep;
  for (auto& ioc : iocs_)
    keep.push_back(net::make_work_guard(*ioc));
  for (auto& l : listeners_)
    l->run();
  if (on_listening)
    on_listening();
  std::vector<std::jthread> threads;
  for (std::size_t i = 1; i < iocs_.size(); ++i)
    threads.emplace_back([ioc = iocs_[i].get()] { ioc->run(); });
  main_ioc.run();
  keep.clear();
  for (auto& ioc : iocs_)
    ioc->stop();
  for (auto& t : threads)
    t.join();
}

void server::request_stop() {
  net::post(*iocs_.front(), [this] { shutdown(); });
}

void server::shutdown() {
  if (ctx_.shutting_down.exchange(true))
    return;
  for (auto& l : listeners_)
    l->stop();
  ctx_.tracker.shutdown_all();
  drain_deadline_ = std::chrono::steady_clock::now() + ctx_.limits.shutdown_grace;
  drain_timer_ = std::make_unique<net::steady_timer>(*iocs_.front());
  drain();
}

void server::drain() {
  // Poll until every connection has ended or the grace period is over.
  const auto open = ctx_.tracker.size();
  if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
    if (open != 0)
      log::warn("grace period over, closing remaining connections",
                {{"open", static_cast<uint64_t>(open)}});
    // Every io thread stops; run() then joins them.
    for (auto& ioc : iocs_)
      ioc->stop();
    return;
  }
  drain_timer_->expires_after(std::chrono::milliseconds{20});
  drain_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec)
      drain();
  });
}

} // namespace gh
