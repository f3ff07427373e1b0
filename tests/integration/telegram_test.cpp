// Telegram sessions through the real WebSocket console: Gatehouse as a process with a scratch
// database, a Redis of the suite's own and the real gatehouse-tdhost loading the fake
// libtdjson.so (tests/support/fake_tdjson.cpp). The whole /tg flow, two users at once, pushes to
// every socket of one user, logout and idle expiry wiping the session's directory, a killed
// host, the limits, and no message text in PostgreSQL, Redis or the log.
#include "tests/integration/telegram_fixture.hpp"

namespace gh::test {
namespace {

TEST_F(TelegramTest, RunsTheWholeFlowFromLoginToLogout) {
  auto [token, user] = sign_up(port);
  console_socket ws{port, token};
  EXPECT_EQ(ws.ok("/tg status").at("state"), "none");
  EXPECT_EQ(ws.status_of("/tg chats"), 409);
  EXPECT_EQ(ws.status_of("/tg code 12345"), 409);
  EXPECT_EQ(ws.status_of("/tg login not-a-phone"), 400);

  EXPECT_EQ(ws.ok("/tg login +15550000001").at("state"), "wait_code");
  EXPECT_TRUE(
      ws.push("tg.state", [](const json::object& d) { return d.at("state") == "wait_code"; }));
  auto status = ws.ok("/tg status");
  EXPECT_EQ(status.at("state"), "wait_code");
  EXPECT_EQ(status.at("phone"), "+\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u202201");
  EXPECT_EQ(ws.status_of("/tg login +15550000001"), 409) << "one session per user";
  EXPECT_EQ(ws.status_of("/tg code 54321"), 400);
  EXPECT_EQ(ws.status_of("/tg code 12;45"), 400);
  EXPECT_EQ(ws.ok("/tg code 12345").at("state"), "ready");
  EXPECT_TRUE(ws.push("tg.state", [](const json::object& d) { return d.at("state") == "ready"; }));
  EXPECT_EQ(session_dirs().size(), 1U);
  EXPECT_TRUE(std::filesystem::exists(session_dirs().front() + "/td.binlog"));

  const auto chats = ws.ok_array("/tg chats");
  ASSERT_EQ(chats.size(), 3U);
  EXPECT_EQ(chats[0].at("title"), "Alice");
  EXPECT_EQ(chats[0].at("unread_count"), 2);
  EXPECT_EQ(chats[0].at("last_message").at("text"), "Alice message 3");
  EXPECT_EQ(ws.ok_array("/tg chats 1").size(), 1U);
  EXPECT_EQ(ws.status_of("/tg chats 0"), 400);
  EXPECT_EQ(ws.status_of("/tg chats 101"), 400);

  const auto history = ws.ok_array("/tg history Alice 2");
  ASSERT_EQ(history.size(), 2U);
  EXPECT_EQ(history[0].at("text"), "Alice message 3");
  EXPECT_EQ(history[0].at("sender"), "Alice Example");
  EXPECT_EQ(history[0].at("chat_id"), 1001);
  EXPECT_EQ(history[0].at("date"), "2026-01-01T00:03:00Z");
  EXPECT_EQ(ws.ok_array("/tg history 1002").size(), 3U);
  EXPECT_EQ(ws.status_of("/tg history Nobody"), 404);
  EXPECT_EQ(ws.status_of("/tg history 4242"), 404);
  EXPECT_EQ(ws.status_of("/tg history Broken"), 503) << "an injected TDLib error";

  const auto sent = ws.ok(R"(/tg send "Book Club" hello book club)");
  EXPECT_EQ(sent.at("chat_id"), 1002);
  EXPECT_GT(sent.at("message_id").as_int64(), 50 * 1048576);
  EXPECT_EQ(ws.ok_array("/tg history 1002 1")[0].at("text"), "hello book club");
  EXPECT_EQ(ws.ok("/tg send Alice echo pong").at("chat_id"), 1001);
  EXPECT_TRUE(ws.push("tg.message", [](const json::object& d) {
    return d.at("chat_id") == 1001 && d.at("message").at("text") == "pong" &&
           d.at("message").at("sender") == "Alice Example";
  }));
  EXPECT_EQ(ws.ok_array("/tg search message 2").size(), 3U);
  EXPECT_EQ(ws.status_of("/tg search boom"), 503);
  EXPECT_EQ(ws.status_of("/tg send Alice " + std::string(4097, 'x')), 400);

  const auto meta = json::parse(redis("GET tg_session:" + user)).as_object();
  EXPECT_EQ(meta.at("state"), "ready");
  EXPECT_EQ(meta.at("phone"), status.at("phone"));
  EXPECT_GT(std::stoi(redis("TTL tg_session:" + user)), 0);

  EXPECT_EQ(ws.ok("/tg logout").at("state"), "none");
  EXPECT_TRUE(ws.push("tg.state", [](const json::object& d) { return d.at("state") == "none"; }));
  EXPECT_TRUE(session_dirs().empty()) << "logout wipes the session's files";
  EXPECT_EQ(redis("EXISTS tg_session:" + user), "0");
  EXPECT_EQ(ws.ok("/tg status").at("state"), "none");
  EXPECT_EQ(ws.ok("/tg logout").at("state"), "none") << "logging out twice is harmless";
}

TEST_F(TelegramTest, AsksForTheTwoStepPasswordOverRestToo) {
  const auto account = sign_up(port);
  const auto& token = account.first;
  auto rest = [&](const std::string& body) {
    auto reply =
        http_call(port, "POST", "/api/v1/console", body,
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return json::parse(reply.body).as_object();
  };
  auto login = rest(R"({"cmd":"tg.login","args":{"phone":"+1 555 000 0002"}})");
  EXPECT_EQ(login.at("result").at("state"), "wait_code");
  EXPECT_EQ(rest(R"({"line":"/tg code 12345"})").at("result").at("state"), "wait_password");
  auto wrong = rest(R"({"cmd":"tg.password","args":{"password":"hunter2"}})");
  EXPECT_EQ(wrong.at("ok"), false);
  EXPECT_EQ(wrong.at("error").at("status"), 400);
  auto right = rest(R"({"cmd":"tg.password","args":{"password":"correct horse battery staple"}})");
  EXPECT_EQ(right.at("result").at("state"), "ready");
  EXPECT_EQ(rest(R"({"line":"/tg logout"})").at("result").at("state"), "none");
}

TEST_F(TelegramTest, TwoUsersAtOnceNeverHearEachOther) {
  auto [token_a, user_a] = sign_up(port);
  auto [token_b, user_b] = sign_up(port);
  console_socket a{port, token_a};
  console_socket b{port, token_b};
  ready(a, "+15550000011");
  ready(b, "+15550000021");
  const auto dirs = session_dirs();
  ASSERT_EQ(dirs.size(), 2U) << "each session has a directory of its own";
  EXPECT_NE(dirs[0], dirs[1]);
  for (const auto& dir : dirs)
    EXPECT_EQ(std::filesystem::status(dir).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);

  a.ok("/tg send Alice echo for-a-only");
  b.ok("/tg send Alice echo for-b-only");
  EXPECT_TRUE(a.push("tg.message", [](const json::object& d) {
    return d.at("message").at("text") == "for-a-only";
  }));
  EXPECT_TRUE(b.push("tg.message", [](const json::object& d) {
    return d.at("message").at("text") == "for-b-only";
  }));
  // Both saw their own; after a round trip each, neither has the other's.
  EXPECT_FALSE(a.pushed_by_now("tg.message", [](const json::object& d) {
    return d.at("message").at("text") == "for-b-only";
  }));
  EXPECT_FALSE(b.pushed_by_now("tg.message", [](const json::object& d) {
    return d.at("message").at("text") == "for-a-only";
  }));
  // What one sent is in their own history only.
  EXPECT_EQ(a.ok_array("/tg search for-b-only").size(), 0U);
  EXPECT_EQ(b.ok_array("/tg search for-b-only").size(), 2U);
  EXPECT_NE(redis("GET tg_session:" + user_a), redis("GET tg_session:" + user_b));
  a.ok("/tg logout");
  EXPECT_EQ(session_dirs().size(), 1U);
  EXPECT_EQ(b.ok("/tg status").at("state"), "ready") << "b's session is untouched";
  b.ok("/tg logout");
}

TEST_F(TelegramTest, PushesReachEverySocketOfTheUser) {
  auto [token, user] = sign_up(port);
  console_socket first{port, token};
  console_socket second{port, token};
  ready(first, "+15550000031");
  EXPECT_TRUE(
      second.push("tg.state", [](const json::object& d) { return d.at("state") == "ready"; }));
  first.ok("/tg send Alice echo to-both-sockets");
  for (auto* ws : {&first, &second})
    EXPECT_TRUE(ws->push("tg.message", [](const json::object& d) {
      return d.at("message").at("text") == "to-both-sockets";
    }));
  second.ok("/tg logout");
  EXPECT_TRUE(
      first.push("tg.state", [](const json::object& d) { return d.at("state") == "none"; }));
}

TEST_F(TelegramTest, APhoneStepWithoutAnswerTimesOutAndTheSessionStaysUsable) {
  auto [token, user] = sign_up(port);
  console_socket ws{port, token};
  const auto start = std::chrono::steady_clock::now();
  auto reply = ws.run("/tg login +15550000099");
  ASSERT_EQ(reply.at("ok"), false);
  EXPECT_EQ(reply.at("error").at("status"), 503);
  EXPECT_EQ(reply.at("error").at("type"), "https://gatehouse.dev/problems/provider-unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(ws.ok("/tg status").at("state"), "none");
  EXPECT_EQ(ws.ok("/tg login +15550000041").at("state"), "wait_code") << "a retry works";
  ws.ok("/tg logout");
  EXPECT_TRUE(session_dirs().empty());
}

TEST_F(TelegramTest, AKilledHostEndsItsSessionsAndComesBack) {
  auto [token, user] = sign_up(port);
  console_socket ws{port, token};
  ready(ws, "+15550000051");
  ASSERT_EQ(session_dirs().size(), 1U);
  const auto host = host_pid(server->process().pid());
  ASSERT_GT(host, 0);
  ::kill(host, SIGKILL);
  EXPECT_TRUE(ws.push("tg.state", [](const json::object& d) { return d.at("state") == "none"; }));
  EXPECT_EQ(ws.ok("/tg status").at("state"), "none");
  EXPECT_TRUE(session_dirs().empty());
  EXPECT_EQ(redis("EXISTS tg_session:" + user), "0");
  // The host is started again: a new login works.
  EXPECT_TRUE(eventually(10s, [&] {
    const auto pid = host_pid(server->process().pid());
    return pid > 0 && pid != host;
  }));
  EXPECT_TRUE(eventually(10s, [&] { return ws.run("/tg login +15550000051").at("ok") == true; }));
  ws.ok("/tg logout");
}

TEST_F(TelegramTest, KeepsMessageTextOutOfPostgresRedisAndTheLog) {
  auto [token, user] = sign_up(port);
  console_socket ws{port, token};
  ready(ws, "+15550000061");
  const std::string secret = "privacy-" + std::to_string(::getpid()) + "-quartz-meadow";
  ws.ok("/tg send Alice " + secret);
  ws.ok("/tg send Alice echo " + secret + "-echo");
  EXPECT_TRUE(ws.push("tg.message", [&](const json::object& d) {
    return d.at("message").at("text") == json::value(secret + "-echo");
  }));
  EXPECT_EQ(ws.ok_array("/tg search " + secret).size(), 3U);
  ws.ok("/tg history Alice 5");
  const auto dump = run_output("pg_dump --no-owner '" + db->url() + "'");
  ASSERT_NE(dump.find("CREATE TABLE"), std::string::npos) << "pg_dump ran";
  EXPECT_EQ(dump.find(secret), std::string::npos);
  const auto keys = run_output("redis-cli -u " + redis_url() + " --scan");
  ASSERT_NE(keys.find("tg_session:" + user), std::string::npos);
  std::istringstream lines{keys};
  for (std::string key; std::getline(lines, key);) {
    if (key.empty())
      continue;
    const auto type = redis("TYPE " + key);
    const auto value = type == "string" ? redis("GET " + key) : redis("DUMP " + key);
    EXPECT_EQ(value.find(secret), std::string::npos) << key;
    EXPECT_EQ(key.find(secret), std::string::npos);
  }
  ws.ok("/tg logout");
  const auto log = server->process().stderr_text();
  ASSERT_NE(log.find("telegram host ready"), std::string::npos);
  EXPECT_EQ(log.find(secret), std::string::npos);
  EXPECT_EQ(log.find("+15550000061"), std::string::npos) << "nor the phone number";
}

} // namespace
} // namespace gh::test
