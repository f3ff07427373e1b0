#include "config/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace gh::log {
namespace {

/// What the logger writes to stderr while `fn` runs.
template <class Fn>
std::string captured_stderr(Fn fn) {
  char path[] = "/tmp/gh-log-XXXXXX";
  const int fd = ::mkstemp(path);
  (void)std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(fd, 2);
  fn();
  flush();
  ::dup2(saved, 2);
  ::close(saved);
  ::close(fd);
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  return text.str();
}

TEST(AccessLog, IsOneJsonLineWithEveryFieldEscaped) {
  configure(config::log_level::info, config::log_format::json);
  const auto text =
      captured_stderr([] { access("req-1", "GET", "/a\"b\\c\x01", 404, 1.5, "127.0.0.1"); });
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  const auto line = boost::json::parse(text).as_object();
  EXPECT_EQ(line.at("msg").as_string(), "http");
  EXPECT_EQ(line.at("level").as_string(), "info");
  EXPECT_EQ(line.at("request_id").as_string(), "req-1");
  EXPECT_EQ(line.at("path").as_string(), "/a\"b\\c\x01");
  EXPECT_EQ(line.at("status").as_int64(), 404);
  EXPECT_DOUBLE_EQ(line.at("duration_ms").to_number<double>(), 1.5);
  EXPECT_EQ(line.at("remote").as_string(), "127.0.0.1");
  const auto ts = std::string{line.at("ts").as_string()};
  ASSERT_EQ(ts.size(), 24U) << ts; // 2026-11-23T22:00:00.123Z
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(AccessLog, IsSilentAboveInfo) {
  configure(config::log_level::warn, config::log_format::json);
  EXPECT_TRUE(captured_stderr([] { access("r", "GET", "/", 200, 0.1, "::1"); }).empty());
  configure(config::log_level::info, config::log_format::json);
}

} // namespace
} // namespace gh::log
