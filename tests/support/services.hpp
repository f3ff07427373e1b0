#pragma once

#include "tests/support/process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace gh::test {

/// A TCP port on 127.0.0.1 that nothing listens on right now.
uint16_t free_port();

/// True when something accepts connections on 127.0.0.1:`port`.
bool port_open(uint16_t port);

/// Polls `pred` until it holds or `timeout` passed; its last answer.
template <class Pred>
bool eventually(std::chrono::milliseconds timeout, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return pred();
}

/// A redis-server of the test's own on a fixed port, for fault drills (stop, start again).
class redis_server {
public:
  redis_server();
  ~redis_server();

  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  void start();
  void stop();
  uint16_t port() const noexcept { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

private:
  uint16_t port_;
  std::unique_ptr<child_process> process_;
};

/// A nats-server of the test's own (JetStream on, its store in a temporary directory kept across
/// restarts, a fixed port), for fault drills.
class nats_server {
public:
  nats_server();
  ~nats_server();

  nats_server(const nats_server&) = delete;
  nats_server& operator=(const nats_server&) = delete;

  void start();
  void stop();
  uint16_t port() const noexcept { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

private:
  uint16_t port_;
  std::string store_;
  std::unique_ptr<child_process> process_;
};

/// PostgreSQL, Redis and nats-server of the test's own, started by `deploy/local/services.sh` in a
/// temporary directory on free ports (the same script and settings as the test run's), for drills
/// that stop or SIGKILL them; stopped and removed with the object.
class service_set {
public:
  /// The services one drill may kill and start again.
  enum class service { postgres, redis, nats };

  service_set();
  ~service_set();

  service_set(const service_set&) = delete;
  service_set& operator=(const service_set&) = delete;

  const std::string& database_url() const noexcept { return database_url_; }
  const std::string& redis_url() const noexcept { return redis_url_; }
  const std::string& nats_url() const noexcept { return nats_url_; }

  /// SIGKILLs `s` (PostgreSQL: the postmaster and every backend at once); true when it worked.
  bool kill(service s);
  /// Starts `s` again with its data; true once it accepts connections.
  bool start(service s);
  /// Stops every service gracefully (they can be started again one by one).
  void stop_all();

  /// The name the services script and the reports use: `postgres`, `redis`, `nats`.
  static const char* name(service s);

private:
  static bool run(const std::string& command, const std::string& dir,
                  const std::string& extra = {});

  std::string dir_;
  std::string database_url_;
  std::string redis_url_;
  std::string nats_url_;
};

/// A PostgreSQL database of the test's own on the run's server (`DATABASE_URL`), dropped at the
/// end: events tests count rows and messages exactly, so nothing else may write there.
class scratch_database {
public:
  scratch_database();
  ~scratch_database();

  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  const std::string& url() const noexcept { return url_; }

  /// Runs `sql` (the test's own text) on a connection of its own.
  void exec(const std::string& sql) const;

  /// The first column of the first row `sql` returns; empty for no row or NULL.
  std::string scalar(const std::string& sql) const;

private:
  std::string name_;
  std::string url_;
};

} // namespace gh::test
