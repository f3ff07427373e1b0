#include "tests/support/services.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
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

nats_server::nats_server() : port_(free_port()) {
  char dir[] = "/tmp/gh-nats-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    throw std::runtime_error("cannot create a NATS store directory");
  store_ = dir;
  start();
}

nats_server::~nats_server() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(store_, ec);
}

void nats_server::start() {
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port_), "-js",
                               "-sd", store_},
      std::map<std::string, std::string>{});
  for (int i = 0; i < 200 && !port_open(port_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  ASSERT_TRUE(port_open(port_)) << "nats-server did not start:\n" << process_->stderr_text();
}

void nats_server::stop() {
  if (!process_)
    return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(std::chrono::seconds{10})) {
    process_->signal(SIGKILL);
    process_->wait_exit(std::chrono::seconds{10});
  }
  process_.reset();
}

scratch_database::scratch_database() {
  const auto base = required_env("DATABASE_URL");
  static std::atomic<int> n{0};
  name_ = "gh_scratch_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  pqxx::connection admin{base};
  pqxx::nontransaction{admin}.exec("CREATE DATABASE " + admin.quote_name(name_));
  const auto slash = base.rfind('/');
  url_ = base.substr(0, slash + 1) + name_;
}

scratch_database::~scratch_database() {
  try {
    pqxx::connection admin{required_env("DATABASE_URL")};
    pqxx::nontransaction{admin}.exec("DROP DATABASE IF EXISTS " + admin.quote_name(name_) +
                                     " WITH (FORCE)");
  } catch (const std::exception&) {
    // The run's server goes away with the run.
  }
}

} // namespace gh::test
