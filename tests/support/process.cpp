#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace gh::test {

child_process::child_process(std::vector<std::string> argv,
                             const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string_view::npos)
      merged[std::string{kv.substr(0, eq)}] = std::string{kv.substr(eq + 1)};
  }
  for (const auto& [k, v] : env)
    merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged)
    env_strings.push_back(k + "=" + v);

  char tmpl[] = "/tmp/gatehouse-test-stderr.XXXXXX";
  int err_fd = mkstemp(tmpl);
  stderr_path_ = tmpl;
  int out[2];
  if (pipe(out) != 0)
    throw std::runtime_error("pipe failed");

  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_ = fork();
  if (pid_ == 0) {
    // Never the test's own stdin: a child (node) may make that shared pipe non-blocking, and a
    // test reading commands from it (tests/browser/browser_stack) would then read nothing.
    if (const int null_fd = open("/dev/null", O_RDONLY); null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      close(null_fd);
    }
    dup2(out[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    close(err_fd);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err_fd);
  stdout_fd_ = out[0];
}

child_process::~child_process() {
  if (!exit_code_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds{10});
  }
  if (stdout_fd_ >= 0)
    close(stdout_fd_);
  if (!stderr_path_.empty())
    unlink(stderr_path_.c_str());
}

void child_process::signal(int sig) const {
  if (pid_ > 0 && !exit_code_)
    kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_)
    return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    auto r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return std::nullopt;
}

std::optional<std::string> child_process::wait_for_line(std::string_view needle,
                                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      auto line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      if (line.find(needle) != std::string::npos)
        return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return std::nullopt;
    char buf[4096];
    auto n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0)
      return std::nullopt;
    pending_.append(buf, static_cast<size_t>(n));
  }
}

std::string child_process::stderr_text() const {
  std::ifstream in{stderr_path_};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: run the tests through deploy/local/test.sh";
    return {};
  }
  return v;
}

gatehouse_process::gatehouse_process(std::map<std::string, std::string> overrides) {
  overrides.try_emplace("GATEHOUSE_LISTEN", "127.0.0.1:0");
  overrides.try_emplace("GATEHOUSE_ENV", "development");
  overrides.try_emplace("LOG_LEVEL", "info");
  child_ = std::make_unique<child_process>(
      std::vector<std::string>{required_env("GATEHOUSE_BIN"), "serve"}, overrides);
  auto line = child_->wait_for_line("listening on http://", std::chrono::seconds{60});
  if (!line) {
    ADD_FAILURE() << "gatehouse did not start:\n" << child_->stderr_text();
    return;
  }
  port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
}

} // namespace gh::test
