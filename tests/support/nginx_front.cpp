#include "tests/support/nginx_front.hpp"

#include "tests/support/services.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gh::test {

namespace {

/// `text` with every `from` replaced by `to`; fails the test when `from` does not occur, so a
/// changed config cannot leave nginx pointing at the fixed ports unnoticed.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  std::size_t n = 0;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
    ++n;
  }
  if (n == 0)
    throw std::runtime_error("deploy/nginx/gatehouse-local.conf has no '" + from + "'");
  return text;
}

} // namespace

nginx_front::nginx_front(uint16_t port, const std::vector<uint16_t>& replicas) : port_(port) {
  if (replicas.size() != 3)
    throw std::invalid_argument("gatehouse-local.conf names three replicas");
  std::ifstream in{std::string{GH_SOURCE_DIR} + "/deploy/nginx/gatehouse-local.conf"};
  if (!in)
    throw std::runtime_error("cannot read deploy/nginx/gatehouse-local.conf");
  std::stringstream text;
  text << in.rdbuf();
  std::string conf = text.str();
  // The replicas first: the front's 18080 is no prefix of theirs, but keep the order obvious.
  for (std::size_t i = 0; i < replicas.size(); ++i)
    conf = replace_all(conf, "127.0.0.1:" + std::to_string(18081 + i),
                       "127.0.0.1:" + std::to_string(replicas[i]));
  conf = replace_all(conf, "127.0.0.1:18080", "127.0.0.1:" + std::to_string(port));

  char dir[] = "/tmp/gh-nginx-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    throw std::runtime_error("cannot create nginx's prefix directory");
  prefix_ = dir;
  std::filesystem::create_directories(prefix_ + "/logs");
  const auto path = prefix_ + "/nginx.conf";
  std::ofstream{path} << conf;
  // `-e`: the log nginx writes before it has read the config, inside the prefix too.
  process_ = std::make_unique<child_process>(std::vector<std::string>{"/usr/sbin/nginx", "-p",
                                                                      prefix_, "-c", path, "-e",
                                                                      prefix_ + "/logs/error.log"},
                                             std::map<std::string, std::string>{});
  if (!eventually(std::chrono::seconds{10}, [&] { return port_open(port_); })) {
    std::ifstream log{prefix_ + "/logs/error.log"};
    std::stringstream s;
    s << log.rdbuf();
    ADD_FAILURE() << "nginx did not start:\n" << process_->stderr_text() << s.str();
  }
}

nginx_front::~nginx_front() {
  // SIGTERM: the master stops its workers, which SIGKILL of the master alone would leave behind.
  process_->signal(SIGTERM);
  if (!process_->wait_exit(std::chrono::seconds{10}))
    process_->signal(SIGKILL);
  process_.reset();
  std::error_code ec;
  std::filesystem::remove_all(prefix_, ec);
}

} // namespace gh::test
