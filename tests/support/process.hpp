#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::test {

/// A child process (found on PATH) with the parent's environment plus overrides; stdin from
/// /dev/null, stdout on a pipe, stderr in a temporary file. Killed (SIGKILL) and reaped when the
/// object dies.
class child_process {
public:
  child_process(std::vector<std::string> argv, const std::map<std::string, std::string>& env);
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }

  /// Sends `sig`.
  void signal(int sig) const;

  /// Waits for the exit; the exit code (128 + signal when killed), or empty on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Reads stdout until a line containing `needle` arrives; empty on timeout or EOF.
  std::optional<std::string> wait_for_line(std::string_view needle,
                                           std::chrono::milliseconds timeout);

  /// Everything the process wrote to stderr so far.
  std::string stderr_text() const;

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string pending_;
  std::optional<int> exit_code_;
};

/// A Gatehouse server started from `$GATEHOUSE_BIN` on a free port with the services of the
/// test run (`DATABASE_URL`, `REDIS_URL`, `NATS_URL` from the environment) and `overrides`.
class gatehouse_process {
public:
  explicit gatehouse_process(std::map<std::string, std::string> overrides = {});

  uint16_t port() const noexcept { return port_; }
  child_process& process() noexcept { return *child_; }

private:
  std::unique_ptr<child_process> child_;
  uint16_t port_ = 0;
};

/// The value of an environment variable the test run must provide (fails the test if unset).
std::string required_env(const char* name);

} // namespace gh::test
