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
#include <fstream>
#include <sstream>
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

namespace {

/// The value of `export NAME='value'` in a services env file.
std::string exported(const std::string& env_file, const std::string& name) {
  std::ifstream in{env_file};
  const std::string prefix = "export " + name + "='";
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix) && line.ends_with('\''))
      return line.substr(prefix.size(), line.size() - prefix.size() - 1);
  return {};
}

} // namespace

service_set::service_set() {
  char dir[] = "/tmp/gh-services-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    throw std::runtime_error("cannot create a services directory");
  dir_ = dir;
  // PostgreSQL runs as its own user and must reach its data below this directory.
  std::filesystem::permissions(
      dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                std::filesystem::perms::others_exec);
  if (!run("start", dir_, "auto"))
    throw std::runtime_error("deploy/local/services.sh could not start the services");
  const auto env = dir_ + "/env";
  database_url_ = exported(env, "DATABASE_URL");
  redis_url_ = exported(env, "REDIS_URL");
  nats_url_ = exported(env, "NATS_URL");
}

service_set::~service_set() {
  stop_all();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

const char* service_set::name(service s) {
  switch (s) {
  case service::postgres:
    return "postgres";
  case service::redis:
    return "redis";
  case service::nats:
    return "nats";
  }
  return "?";
}

bool service_set::kill(service s) {
  return run(std::string{"kill-"} + name(s), dir_);
}

bool service_set::start(service s) {
  return run(std::string{"start-"} + name(s), dir_);
}

void service_set::stop_all() {
  run("stop", dir_);
}

bool service_set::run(const std::string& command, const std::string& dir,
                      const std::string& extra) {
  std::vector<std::string> argv{"bash", std::string{GH_SOURCE_DIR} + "/deploy/local/services.sh",
                                command, dir};
  if (!extra.empty())
    argv.push_back(extra);
  child_process script{std::move(argv), {}};
  const auto code = script.wait_exit(std::chrono::seconds{60});
  if (code != 0)
    ADD_FAILURE() << "services.sh " << command << " failed:\n" << script.stderr_text();
  return code == 0;
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

void scratch_database::exec(const std::string& sql) const {
  pqxx::connection conn{url_};
  pqxx::nontransaction{conn}.exec(sql);
}

std::string scratch_database::scalar(const std::string& sql) const {
  pqxx::connection conn{url_};
  auto r = pqxx::nontransaction{conn}.exec(sql);
  return r.empty() || r[0][0].is_null() ? std::string{} : r[0][0].as<std::string>();
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
