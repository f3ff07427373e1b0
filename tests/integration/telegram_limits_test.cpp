// Telegram sessions under short or missing settings, each with a Gatehouse of its own: idle
// expiry and shutdown wiping the session, leftovers wiped at start, the per-user command rate, the
// per-process session limit, another TDLib version refused, and no settings at all.
#include "tests/integration/telegram_fixture.hpp"

namespace gh::test {
namespace {

class TelegramLimitsTest : public testing::Test {
protected:
  void SetUp() override {
    data_dir_ = fresh_shm_dir("gh-tg-limits");
    session_dir_ = data_dir_ + "/sessions";
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  std::map<std::string, std::string> env() const { return telegram_env(data_dir_, session_dir_); }

  std::size_t sessions() const {
    std::error_code ec;
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator{session_dir_, ec})
      ++n;
    return n;
  }

  std::string data_dir_;
  std::string session_dir_;
};

TEST_F(TelegramLimitsTest, AnIdleSessionExpiresAndLeftoversAreWipedAtStart) {
  // What a process that died left behind is wiped when the next one starts.
  std::filesystem::create_directories(session_dir_ + "/s-leftover");
  std::ofstream{session_dir_ + "/s-leftover/td.binlog"} << "old session\n";
  auto settings = env();
  settings["TELEGRAM_SESSION_TTL"] = "2s";
  gatehouse_process gh{settings};
  ASSERT_NE(gh.port(), 0);
  EXPECT_FALSE(std::filesystem::exists(session_dir_ + "/s-leftover"));
  EXPECT_EQ(std::filesystem::status(session_dir_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);

  auto [token, user] = sign_up(gh.port());
  console_socket ws{gh.port(), token};
  EXPECT_EQ(ws.ok("/tg login +15550000071").at("state"), "wait_code");
  EXPECT_EQ(sessions(), 1U);
  // Two seconds after the last command (and the registry's next sweep), the session ends.
  EXPECT_TRUE(ws.push(
      "tg.state", [](const json::object& d) { return d.at("state") == "none"; }, 10s));
  EXPECT_TRUE(eventually(2s, [&] { return sessions() == 0; }));
  EXPECT_EQ(ws.ok("/tg status").at("state"), "none");
}

TEST_F(TelegramLimitsTest, ShutdownWipesEverySession) {
  gatehouse_process gh{env()};
  ASSERT_NE(gh.port(), 0);
  auto [token, user] = sign_up(gh.port());
  console_socket ws{gh.port(), token};
  ready(ws, "+15550000101");
  EXPECT_EQ(sessions(), 1U);
  const auto host = host_pid(gh.process().pid());
  EXPECT_GT(host, 0);
  gh.process().signal(SIGTERM);
  const auto code = gh.process().wait_exit(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << gh.process().stderr_text();
  EXPECT_EQ(sessions(), 0U) << "shutdown wipes the sessions' files";
  // Gone, or a zombie waiting for PID 1 (which reaps late in containers).
  const auto ended = [host] {
    std::ifstream in{"/proc/" + std::to_string(host) + "/stat"};
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    return stat.empty() || close == std::string::npos || stat.substr(close + 2, 1) == "Z";
  };
  EXPECT_TRUE(eventually(5s, ended)) << "the host ended too";
}

TEST_F(TelegramLimitsTest, LimitsCommandsPerUserAndSessionsPerProcess) {
  auto settings = env();
  settings["TELEGRAM_COMMAND_RATE"] = "6";
  settings["TELEGRAM_MAX_SESSIONS"] = "1";
  gatehouse_process gh{settings};
  ASSERT_NE(gh.port(), 0);
  auto [token_a, user_a] = sign_up(gh.port());
  auto [token_b, user_b] = sign_up(gh.port());
  console_socket a{gh.port(), token_a};
  console_socket b{gh.port(), token_b};
  EXPECT_EQ(a.ok("/tg login +15550000081").at("state"), "wait_code");
  auto full = b.run("/tg login +15550000082");
  ASSERT_EQ(full.at("ok"), false);
  EXPECT_EQ(full.at("error").at("status"), 503);
  EXPECT_EQ(sessions(), 1U);
  a.ok("/tg logout");
  EXPECT_EQ(b.ok("/tg login +15550000082").at("state"), "wait_code") << "the slot came back";

  // b has spent 2 of its 6 commands this minute.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(b.status_of("/tg status"), 0);
  auto limited = b.run("/tg status");
  ASSERT_EQ(limited.at("ok"), false);
  EXPECT_EQ(limited.at("error").at("status"), 429);
  EXPECT_EQ(a.status_of("/tg status"), 0) << "another user's budget is their own";
}

TEST_F(TelegramLimitsTest, RefusesAnotherTdlibVersion) {
  auto settings = env();
  settings["FAKE_TDJSON_VERSION"] = "1.8.64";
  gatehouse_process gh{settings};
  ASSERT_NE(gh.port(), 0);
  auto [token, user] = sign_up(gh.port());
  console_socket ws{gh.port(), token};
  EXPECT_TRUE(eventually(10s, [&] {
    return gh.process().stderr_text().find("telegram host unusable") != std::string::npos;
  }));
  auto reply = ws.run("/tg login +15550000091");
  ASSERT_EQ(reply.at("ok"), false);
  EXPECT_EQ(reply.at("error").at("status"), 503);
  const std::string detail{reply.at("error").at("detail").as_string()};
  EXPECT_NE(detail.find("1.8.64"), std::string::npos) << detail;
  EXPECT_NE(detail.find("1.8.65"), std::string::npos) << detail;
  EXPECT_EQ(sessions(), 0U);
}

TEST_F(TelegramLimitsTest, WithoutSettingsEveryCommandIsNotConfigured) {
  gatehouse_process gh{{{"GATEHOUSE_DATA_DIR", data_dir_}, {"GATEHOUSE_REGISTER_RATE", "1000"}}};
  ASSERT_NE(gh.port(), 0);
  auto [token, user] = sign_up(gh.port());
  console_socket ws{gh.port(), token};
  for (const char* line : {"/tg status", "/tg login +15550000001", "/tg chats"}) {
    auto reply = ws.run(line);
    ASSERT_EQ(reply.at("ok"), false) << line;
    EXPECT_EQ(reply.at("error").at("type"), "https://gatehouse.dev/problems/not-configured");
  }
}

} // namespace
} // namespace gh::test
