#pragma once

// What the Telegram integration tests share: a console socket that keeps the pushes it reads
// past, a Gatehouse started with the fake libtdjson.so, and looks into its session directories,
// its Redis and its processes.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace gh::test {

using namespace std::chrono_literals;
namespace json = boost::json;

/// A console WebSocket of one user: commands by line, replies by id, pushes kept in order.
class console_socket {
public:
  console_socket(uint16_t port, const std::string& token) : ws_(port, ws_bearer(token)) {}

  /// Runs `line`; the reply frame (`{"id", "ok", ...}`).
  json::object run(const std::string& line) {
    const auto id = ++next_id_;
    ws_.send_text(json::serialize(json::object{{"id", id}, {"line", line}}));
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto o = next(15s);
      if (!o)
        break;
      if (!o->contains("event") && o->at("id") == id)
        return std::move(*o);
    }
    ADD_FAILURE() << "no reply to " << line;
    return {{"ok", false}, {"error", {{"status", 0}}}};
  }

  /// The result of `line`, which must succeed with an object.
  json::object ok(const std::string& line) {
    auto reply = run(line);
    EXPECT_EQ(reply.at("ok"), true) << line << ": " << json::serialize(reply);
    const auto* result = reply.if_contains("result");
    return result != nullptr && result->is_object() ? result->as_object() : json::object{};
  }

  /// The result of `line`, which must succeed with an array.
  json::array ok_array(const std::string& line) {
    auto reply = run(line);
    EXPECT_EQ(reply.at("ok"), true) << line << ": " << json::serialize(reply);
    const auto* result = reply.if_contains("result");
    return result != nullptr && result->is_array() ? result->as_array() : json::array{};
  }

  /// The problem status `line` fails with (0 when it succeeds).
  int status_of(const std::string& line) {
    auto reply = run(line);
    if (reply.at("ok") == true)
      return 0;
    return static_cast<int>(reply.at("error").at("status").to_number<int64_t>());
  }

  /// Waits up to `timeout` for a push of `event` whose data satisfies `match` (pushes read
  /// earlier count; the one found is consumed).
  bool push(const std::string& event, const std::function<bool(const json::object&)>& match,
            std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      for (auto it = pushes_.begin(); it != pushes_.end(); ++it)
        if (it->at("event") == event.c_str() && match(it->at("data").as_object())) {
          pushes_.erase(it);
          return true;
        }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms)
        return false;
      if (!next(left))
        return false;
    }
  }

  /// True when a push of `event` matching `match` came before the reply to a round trip made
  /// now: what the server had queued for this socket by then has arrived.
  bool pushed_by_now(const std::string& event,
                     const std::function<bool(const json::object&)>& match) {
    run("/tg status");
    return std::any_of(pushes_.begin(), pushes_.end(), [&](const json::object& o) {
      return o.at("event") == event.c_str() && match(o.at("data").as_object());
    });
  }

  /// The commands sent so far that did not get exactly one reply (id → replies), once what
  /// arrives within `settle` is read too (a late second reply included).
  std::map<int64_t, int> not_answered_once(std::chrono::milliseconds settle = 500ms) {
    push(
        "", [](const json::object&) { return false; }, settle);
    std::map<int64_t, int> out;
    for (int64_t id = 1; id <= next_id_; ++id)
      if (const auto it = replies_.find(id); it == replies_.end() || it->second != 1)
        out[id] = it == replies_.end() ? 0 : it->second;
    return out;
  }

private:
  /// The next frame within `timeout`: a push is kept, a reply counted and returned.
  std::optional<json::object> next(std::chrono::milliseconds timeout) {
    auto frame = ws_.read(timeout);
    if (!frame)
      return std::nullopt;
    auto o = json::parse(*frame).as_object();
    if (o.contains("event")) {
      pushes_.push_back(o);
      return o;
    }
    if (const auto* id = o.if_contains("id"); id != nullptr && id->is_int64())
      ++replies_[id->as_int64()];
    return o;
  }

  ws_client ws_;
  int64_t next_id_ = 0;
  std::deque<json::object> pushes_;
  std::map<int64_t, int> replies_; ///< replies by command id
};

/// Registers a user: its access token and id.
inline std::pair<std::string, std::string> sign_up(uint16_t port) {
  auto token = signed_up_token(port);
  auto me = http_call(port, "GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + token}});
  return {token, std::string{json::parse(me.body).at("id").as_string()}};
}

/// Signs `ws`'s user in to Telegram with `phone` (no two-step password).
inline void ready(console_socket& ws, const std::string& phone) {
  EXPECT_EQ(ws.ok("/tg login " + phone).at("state"), "wait_code");
  EXPECT_EQ(ws.ok("/tg code 12345").at("state"), "ready");
}

/// What `command` prints on stdout.
inline std::string run_output(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

/// The TDLib host among `parent`'s children (0 when there is none).
inline pid_t host_pid(pid_t parent) {
  for (const auto& entry : std::filesystem::directory_iterator{"/proc"}) {
    const auto name = entry.path().filename().string();
    if (!std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    std::ifstream in{entry.path() / "stat"};
    std::string stat;
    std::getline(in, stat);
    const auto open = stat.find('(');
    const auto close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos)
      continue;
    const auto comm = stat.substr(open + 1, close - open - 1);
    std::istringstream rest{stat.substr(close + 2)};
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && comm.starts_with("gatehouse-tdho") && state != 'Z')
      return static_cast<pid_t>(std::stoi(name));
  }
  return 0;
}

/// Settings of a Gatehouse with Telegram on the fake library.
inline std::map<std::string, std::string> telegram_env(const std::string& data_dir,
                                                       const std::string& session_dir) {
  return {
      {"GATEHOUSE_DATA_DIR", data_dir},   {"GATEHOUSE_REGISTER_RATE", "1000"},
      {"TELEGRAM_API_ID", "12345"},       {"TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef"},
      {"TDLIB_PATH", GH_FAKE_TDJSON},     {"TELEGRAM_SESSION_DIR", session_dir},
      {"TELEGRAM_REQUEST_TIMEOUT", "1s"}, {"TELEGRAM_COMMAND_RATE", "1000"}};
}

/// A temporary directory on tmpfs (where session directories live in production).
inline std::string fresh_shm_dir(const char* name) {
  std::string pattern =
      std::string{std::filesystem::is_directory("/dev/shm") ? "/dev/shm/" : "/tmp/"} + name +
      "-XXXXXX";
  return ::mkdtemp(pattern.data());
}

class TelegramTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    data_dir = fresh_shm_dir("gh-tg-data");
    session_dir = data_dir + "/sessions";
    db = new scratch_database;
    redis_srv = new redis_server;
    auto env = telegram_env(data_dir, session_dir);
    env["DATABASE_URL"] = db->url();
    env["REDIS_URL"] = redis_srv->url();
    server = new gatehouse_process(env);
    port = server->port();
  }

  static void TearDownTestSuite() {
    delete server;
    delete redis_srv;
    delete db;
    std::filesystem::remove_all(data_dir);
  }

  /// The session directories that exist now, sorted.
  static std::vector<std::string> session_dirs() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator{session_dir, ec})
      out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::string redis_url() { return redis_srv->url(); }

  /// One redis-cli command's answer, trailing newline removed.
  static std::string redis(const std::string& command) {
    auto out = run_output("redis-cli -u " + redis_url() + " " + command);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
      out.pop_back();
    return out;
  }

  static inline std::string data_dir;
  static inline std::string session_dir;
  static inline scratch_database* db = nullptr;
  static inline redis_server* redis_srv = nullptr;
  static inline gatehouse_process* server = nullptr;
  static inline uint16_t port = 0;
};

} // namespace gh::test
