#pragma once

#include "tests/support/process.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gh::test {

/// Debian's nginx (`/usr/sbin/nginx`) in the foreground in front of three Gatehouse replicas on
/// this machine: a copy of `deploy/nginx/gatehouse-local.conf` (the single source of the setup)
/// whose four ports, the front's 18080 and the replicas' 18081-18083, are rewritten, under a
/// temporary prefix directory. Started by the constructor once it accepts connections; stopped
/// (SIGTERM, then SIGKILL) and removed with the object.
class nginx_front {
public:
  /// nginx on 127.0.0.1:`port` in front of the replicas on 127.0.0.1:`replicas` (three).
  nginx_front(uint16_t port, const std::vector<uint16_t>& replicas);
  ~nginx_front();

  nginx_front(const nginx_front&) = delete;
  nginx_front& operator=(const nginx_front&) = delete;

  uint16_t port() const noexcept { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
  uint16_t port_;
  std::string prefix_;
  std::unique_ptr<child_process> process_;
};

} // namespace gh::test
