// The TDLib host as Gatehouse drives it: the real gatehouse-tdhost executable loading the fake
// libtdjson.so (tests/support/fake_tdjson.cpp), and a scripted host for malformed lines.
#include "providers/telegram/host_process.hpp"
#include "providers/telegram/host_protocol.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gh::telegram {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

host_options options_with(std::string lib, std::string host = GH_TDHOST) {
  host_options o;
  o.host_path = std::move(host);
  o.tdlib_path = std::move(lib);
  o.expected_version = std::string{tdlib_version};
  o.start_timeout = 5s;
  o.restart_delay = 100ms;
  return o;
}

/// A client of `host`, or -1.
int new_client(host_process& host, client_listener listener = {}) {
  std::promise<std::optional<int>> made;
  host.create_client(std::move(listener), 5s, [&](std::optional<int> id) { made.set_value(id); });
  return made.get_future().get().value_or(-1);
}

td_result ask(host_process& host, int client, json::object req,
              std::chrono::milliseconds timeout = 5s) {
  std::promise<td_result> got;
  host.request(client, std::move(req), timeout, [&](td_result r) { got.set_value(std::move(r)); });
  return got.get_future().get();
}

class HostProcessTest : public testing::Test {
protected:
  void SetUp() override {
    char dir[] = "/tmp/gh-tdhost-XXXXXX";
    dir_ = ::mkdtemp(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  json::object parameters() const {
    return {{"@type", "setTdlibParameters"},
            {"database_directory", dir_},
            {"files_directory", dir_},
            {"use_message_database", false},
            {"api_id", 12345},
            {"api_hash", "0123456789abcdef"}};
  }

  std::string dir_;
};

TEST_F(HostProcessTest, LoadsTheLibraryChecksItsVersionAndRelaysRequests) {
  host_process host{options_with(GH_FAKE_TDJSON)};
  host.start();
  ASSERT_TRUE(host.wait_ready(10s)) << host.problem();
  EXPECT_GT(host.pid(), 0);
  std::promise<void> waiting_for_phone;
  std::atomic<bool> seen{false};
  const int client = new_client(
      host, {[&](json::object update) {
               const auto* state = update.if_contains("authorization_state");
               if (state != nullptr && state->at("@type") == "authorizationStateWaitPhoneNumber" &&
                   !seen.exchange(true))
                 waiting_for_phone.set_value();
             },
             {}});
  ASSERT_GE(client, 1);
  auto ok = ask(host, client, parameters());
  ASSERT_TRUE(ok.answered());
  EXPECT_EQ(ok.value.at("@type"), "ok");
  EXPECT_EQ(ok.value.at("@client_id"), client);
  EXPECT_EQ(waiting_for_phone.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/td.binlog"));
  // An error is an answer too.
  auto refused = ask(host, client, {{"@type", "getChats"}, {"limit", 5}});
  ASSERT_TRUE(refused.answered());
  EXPECT_TRUE(refused.is_error());
}

TEST_F(HostProcessTest, ARequestWithoutAnswerTimesOutAndTheClientStaysUsable) {
  host_process host{options_with(GH_FAKE_TDJSON)};
  host.start();
  ASSERT_TRUE(host.wait_ready(10s)) << host.problem();
  const int client = new_client(host);
  ASSERT_TRUE(ask(host, client, parameters()).answered());
  const auto start = std::chrono::steady_clock::now();
  auto silent =
      ask(host, client,
          {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", "+15550000099"}}, 300ms);
  EXPECT_EQ(silent.how, td_result::outcome::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto next = ask(host, client,
                  {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", "+15550000001"}});
  ASSERT_TRUE(next.answered());
  EXPECT_EQ(next.value.at("@type"), "ok");
}

TEST_F(HostProcessTest, RefusesAnotherTdlibVersion) {
  ::setenv("FAKE_TDJSON_VERSION", "1.8.64", 1);
  host_process host{options_with(GH_FAKE_TDJSON)};
  host.start();
  EXPECT_FALSE(host.wait_ready(10s));
  ::unsetenv("FAKE_TDJSON_VERSION");
  EXPECT_NE(host.problem().find("1.8.64"), std::string::npos) << host.problem();
  EXPECT_NE(host.problem().find("1.8.65"), std::string::npos) << host.problem();
  EXPECT_EQ(new_client(host), -1);
  EXPECT_EQ(ask(host, 1, {{"@type", "getChats"}}).how, td_result::outcome::host_unavailable);
}

TEST_F(HostProcessTest, SaysWhyAMissingLibraryCannotBeUsed) {
  host_process host{options_with(dir_ + "/no-such-libtdjson.so")};
  host.start();
  EXPECT_FALSE(host.wait_ready(10s));
  EXPECT_NE(host.problem().find("cannot load"), std::string::npos) << host.problem();
}

TEST_F(HostProcessTest, AKilledHostTellsItsClientsAndStartsAgain) {
  host_process host{options_with(GH_FAKE_TDJSON)};
  host.start();
  ASSERT_TRUE(host.wait_ready(10s)) << host.problem();
  std::promise<void> lost;
  const int client = new_client(host, {[](json::object) {}, [&] { lost.set_value(); }});
  ASSERT_TRUE(ask(host, client, parameters()).answered());
  std::promise<td_result> pending;
  host.request(client,
               {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", "+15550000099"}}, 30s,
               [&](td_result r) { pending.set_value(std::move(r)); });
  const auto first = host.pid();
  ::kill(first, SIGKILL);
  EXPECT_EQ(lost.get_future().wait_for(5s), std::future_status::ready);
  auto failed = pending.get_future();
  ASSERT_EQ(failed.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(failed.get().how, td_result::outcome::host_lost);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!(host.ready() && host.pid() != first) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(host.ready());
  EXPECT_EQ(host.generation(), 2U);
  const int again = new_client(host);
  EXPECT_GE(again, 1);
  EXPECT_TRUE(ask(host, again, parameters()).answered());
}

TEST_F(HostProcessTest, DropsMalformedAndOverlongLinesFromTheHost) {
  // A host that says hello, answers the first creation, then writes garbage around one good
  // update, then a line longer than the limit, then another good update.
  const auto script = dir_ + "/host.sh";
  {
    std::ofstream s{script};
    s << "#!/bin/bash\n"
         "echo 'H {\"@type\":\"optionValueString\",\"value\":\"1.8.65\"}'\n"
         "read -r kind tag\n"
         "echo \"N $tag 7\"\n"
         "echo 'U not json'\n"
         "echo 'U [1,2]'\n"
         "echo 'Q what'\n"
         "echo 'N x y'\n"
         "echo 'U {\"@type\":\"updateOption\",\"@client_id\":\"7\"}'\n"
         "echo 'U {\"@type\":\"updateOption\",\"@client_id\":7,\"name\":\"first\"}'\n"
         "head -c "
      << host_max_reply_line + 10
      << " /dev/zero | tr '\\0' a; echo\n"
         "echo 'U {\"@type\":\"updateOption\",\"@client_id\":7,\"name\":\"second\"}'\n"
         "exec sleep 30\n";
  }
  ::chmod(script.c_str(), 0700);
  host_process host{options_with("unused", script)};
  host.start();
  ASSERT_TRUE(host.wait_ready(10s)) << host.problem();
  std::mutex m;
  std::vector<std::string> names;
  std::promise<void> both;
  const int client = new_client(host, {[&](json::object update) {
                                         std::lock_guard lock{m};
                                         names.emplace_back(update.at("name").as_string());
                                         if (names.size() == 2)
                                           both.set_value();
                                       },
                                       {}});
  EXPECT_EQ(client, 7);
  ASSERT_EQ(both.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(names, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(host.dropped_lines(), 6U);
  host.stop();
}

} // namespace
} // namespace gh::telegram
