#include "tests/support/services.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

namespace gh::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

uint16_t free_port() {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}};
  return acceptor.local_endpoint().port();
}

bool port_open(uint16_t port) {
  net::io_context ioc;
  tcp::socket socket{ioc};
  boost::system::error_code ec;
  socket.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

redis_server::redis_server() : port_(free_port()) {
  start();
}

redis_server::~redis_server() {
  stop();
}

void redis_server::start() {
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{"redis-server", "--bind", "127.0.0.1", "--port",
                               std::to_string(port_), "--save", "", "--appendonly", "no"},
      std::map<std::string, std::string>{});
  for (int i = 0; i < 100 && !port_open(port_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  ASSERT_TRUE(port_open(port_)) << "redis-server did not start:\n" << process_->stderr_text();
}

void redis_server::stop() {
  if (!process_)
    return;
  process_->signal(SIGKILL);
  process_->wait_exit(std::chrono::seconds{10});
  process_.reset();
}

} // namespace gh::test
