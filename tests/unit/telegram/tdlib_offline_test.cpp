// The real TDLib 1.8.65 (deploy/local/lib.sh's gh_install_tdlib puts it under .local/tdlib; CI
// installs it), offline: what works without a network. Loaded by the real gatehouse-tdhost, as
// Gatehouse runs it. Skipped, saying so, only when the library is absent.
#include "actors/telegram/session_dirs.hpp"
#include "actors/telegram/td_codec.hpp"
#include "providers/telegram/host_process.hpp"
#include "providers/telegram/host_protocol.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace gh::telegram {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string real_tdlib() {
  if (const char* path = std::getenv("GH_TDLIB_PATH"); path != nullptr && *path != '\0')
    return path;
  return std::string{GH_SOURCE_DIR} + "/.local/tdlib/1.8.65/libtdjson.so";
}

/// The authorization states a client went through, in order.
class state_log {
public:
  void add(std::string state) {
    std::lock_guard lock{mutex_};
    states_.push_back(std::move(state));
    changed_.notify_all();
  }
  bool wait_for(const std::string& state, std::chrono::milliseconds limit) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, limit, [&] {
      return std::find(states_.begin(), states_.end(), state) != states_.end();
    });
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> states_;
};

class TdlibOfflineTest : public testing::Test {
protected:
  void SetUp() override {
    if (!std::filesystem::exists(real_tdlib()))
      GTEST_SKIP() << "TDLib 1.8.65 is not installed at " << real_tdlib()
                   << " (source deploy/local/lib.sh && gh_install_tdlib; CI does)";
    char base[] = "/tmp/gh-tdlib-XXXXXX";
    base_ = ::mkdtemp(base);
    dirs_ = std::make_unique<session_dirs>(base_);
    std::string problem;
    ASSERT_TRUE(dirs_->prepare(problem)) << problem;
    host_options o;
    o.host_path = GH_TDHOST;
    o.tdlib_path = real_tdlib();
    o.expected_version = std::string{tdlib_version};
    o.start_timeout = 20s;
    host_ = std::make_unique<host_process>(o);
    host_->start();
    ASSERT_TRUE(host_->wait_ready(30s)) << host_->problem();
  }

  void TearDown() override {
    if (host_)
      host_->stop();
    if (!base_.empty())
      std::filesystem::remove_all(base_);
  }

  int client(state_log& log) {
    std::promise<std::optional<int>> made;
    host_->create_client({[&log](json::object update) {
                            if (type_of(update) == "updateAuthorizationState")
                              if (const auto* s = object_of(update, "authorization_state"))
                                log.add(std::string{type_of(*s)});
                          },
                          {}},
                         10s, [&](std::optional<int> id) { made.set_value(id); });
    return made.get_future().get().value_or(-1);
  }

  td_result ask(int id, json::object req, std::chrono::milliseconds timeout = 10s) {
    std::promise<td_result> got;
    host_->request(id, std::move(req), timeout, [&](td_result r) { got.set_value(std::move(r)); });
    return got.get_future().get();
  }

  std::string base_;
  std::unique_ptr<session_dirs> dirs_;
  std::unique_ptr<host_process> host_;
};

TEST_F(TdlibOfflineTest, LoadsVersion1865AndWaitsForThePhoneNumber) {
  EXPECT_GT(host_->pid(), 0);
  state_log log;
  const int id = client(log);
  ASSERT_GE(id, 1);
  const auto dir = dirs_->make();
  ASSERT_TRUE(dir);
  auto ok = ask(
      id, tdlib_parameters({12345, "0123456789abcdef0123456789abcdef", "Gatehouse test"}, *dir));
  ASSERT_TRUE(ok.answered());
  EXPECT_EQ(type_of(ok.value), "ok") << json::serialize(ok.value);
  EXPECT_TRUE(log.wait_for("authorizationStateWaitPhoneNumber", 10s));
  // The parameters were taken as sent: TDLib keeps its state in the session's directory.
  EXPECT_FALSE(std::filesystem::is_empty(*dir));

  // Offline, the phone step never answers: the request times out cleanly and the client still
  // answers what it can.
  const auto start = std::chrono::steady_clock::now();
  auto phone =
      ask(id, {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", "+15550000001"}}, 2s);
  EXPECT_EQ(phone.how, td_result::outcome::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  auto state = ask(id, {{"@type", "getAuthorizationState"}});
  ASSERT_TRUE(state.answered());
  EXPECT_EQ(type_of(state.value), "authorizationStateWaitPhoneNumber");

  // A malformed request is an error answer, not a crash.
  auto bad = ask(id, {{"@type", "noSuchRequest"}});
  ASSERT_TRUE(bad.answered());
  EXPECT_TRUE(bad.is_error());

  // close -> Closed; later requests fail; the directory is wiped.
  auto closed = ask(id, {{"@type", "close"}});
  ASSERT_TRUE(closed.answered());
  EXPECT_TRUE(log.wait_for("authorizationStateClosed", 10s));
  auto after = ask(id, {{"@type", "getAuthorizationState"}});
  EXPECT_TRUE(!after.answered() || after.is_error() ||
              type_of(after.value) == "authorizationStateClosed")
      << json::serialize(after.value);
  dirs_->wipe(*dir);
  EXPECT_FALSE(std::filesystem::exists(*dir));
  EXPECT_TRUE(std::filesystem::is_empty(base_));
}

TEST_F(TdlibOfflineTest, StopsTheHostWithClientsOpen) {
  state_log log;
  const int id = client(log);
  const auto dir = dirs_->make();
  ASSERT_TRUE(
      ask(id, tdlib_parameters({12345, "0123456789abcdef0123456789abcdef", "Gatehouse"}, *dir))
          .answered());
  const auto pid = host_->pid();
  const auto start = std::chrono::steady_clock::now();
  host_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(host_->pid(), 0);
  EXPECT_NE(::kill(pid, 0), 0) << "the host is gone";
  dirs_->wipe_all();
  EXPECT_TRUE(std::filesystem::is_empty(base_));
}

} // namespace
} // namespace gh::telegram
