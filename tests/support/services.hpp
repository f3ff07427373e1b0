#pragma once

#include "tests/support/process.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace gh::test {

/// A TCP port on 127.0.0.1 that nothing listens on right now.
uint16_t free_port();

/// True when something accepts connections on 127.0.0.1:`port`.
bool port_open(uint16_t port);

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

} // namespace gh::test
