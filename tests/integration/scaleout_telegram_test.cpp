// Telegram sessions across three replicas (scaleout_fixture.hpp), each with the fake
// libtdjson.so in its own gatehouse-tdhost as telegram_fixture.hpp starts one, and a session
// directory of its own. The console WebSockets are opened straight to the replicas' ports, so
// the test chooses which replica each one reaches: a session lives on the replica that took
// its user's first command (its lease), a command from that user's socket on another replica
// is forwarded to it and answered back, and the session's pushes are relayed to the user's
// sockets everywhere (`gatehouse.push`). Which replica holds the session is read from the
// per-kind actor counts of `gatehouse.ops.instances`.
#include "tests/integration/scaleout_fixture.hpp"
#include "tests/integration/telegram_fixture.hpp"

#include <csignal>
#include <cstdio>

namespace gh::test {
namespace {

constexpr const char* session_kind = "telegram_session";
/// Nine digits of an 11-digit phone number, masked.
constexpr const char* bullets = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022";
const std::map<int64_t, int> each_once{};

bool any(const json::object& /*data*/) {
  return true;
}

class ScaleOutTelegramTest : public ScaleOutTest {
protected:
  ScaleOutTelegramTest() : sessions_(fresh_shm_dir("gh-scaleout-tg")) {}
  ~ScaleOutTelegramTest() override {
    // The replicas end (and wipe their session directories) before the directories go.
    front_.reset();
    replicas_.clear();
    std::error_code ec;
    std::filesystem::remove_all(sessions_, ec);
  }

  std::map<std::string, std::string> replica_env(const std::string& id) override {
    // GATEHOUSE_DATA_DIR and the register rate are the harness's (its settings win).
    return telegram_env(data_dir_, sessions_ + "/" + id);
  }

  uint16_t port_of(const std::string& id) { return replicas_.at(id)->port(); }

  /// The one replica holding a Telegram session once exactly one does (empty if that never
  /// happens within 10 s).
  std::string session_owner() {
    std::string owner;
    eventually(10s, [&] {
      owner.clear();
      int64_t total = 0;
      for (const auto& [id, n] : actors_of(session_kind)) {
        total += n;
        if (n > 0)
          owner = id;
      }
      return total == 1;
    });
    return owner;
  }

  /// Every answering replica's session count: exactly one, on `owner`.
  void expect_only_on(const std::string& owner) {
    const auto live = actors_of(session_kind);
    int64_t total = 0;
    for (const auto& [id, n] : live)
      total += n;
    EXPECT_EQ(total, 1) << "telegram_session actors: " << describe(live);
    EXPECT_EQ(live.count(owner) != 0 ? live.at(owner) : 0, 1)
        << "the session is not on " << owner << ": " << describe(live);
  }

  /// U's session started from a socket on r1: r1 owns it, and a socket of U's on r2 reads
  /// the same state through it.
  struct user_u {
    std::string token;
    std::unique_ptr<console_socket> on_r1;
    std::unique_ptr<console_socket> on_r2;
  };
  user_u start_session(const std::string& phone) {
    user_u u;
    u.token = sign_up(port_of("r1")).first;
    u.on_r1 = std::make_unique<console_socket>(port_of("r1"), u.token);
    EXPECT_EQ(u.on_r1->ok("/tg status").at("state"), "none");
    ready(*u.on_r1, phone);
    EXPECT_TRUE(
        u.on_r1->push("tg.state", [](const json::object& d) { return d.at("state") == "ready"; }));
    EXPECT_EQ(session_owner(), "r1") << "the replica of U's first command holds the session";

    u.on_r2 = std::make_unique<console_socket>(port_of("r2"), u.token);
    const auto on_owner = u.on_r1->ok("/tg status");
    EXPECT_EQ(on_owner.at("state"), "ready");
    EXPECT_EQ(on_owner.at("phone"), json::value(std::string{"+"} + bullets + phone.substr(10)));
    EXPECT_EQ(u.on_r2->ok("/tg status"), on_owner) << "forwarded to r1 and answered back";
    expect_only_on("r1");
    return u;
  }

  std::string sessions_;
};

TEST_F(ScaleOutTelegramTest, ATelegramSessionServesItsUserFromEveryReplica) {
  // V is connected on every replica but never uses Telegram.
  const auto v_token = sign_up(port_of("r2")).first;
  std::vector<std::unique_ptr<console_socket>> v;
  for (const auto& id : replica_ids)
    v.push_back(std::make_unique<console_socket>(port_of(id), v_token));

  auto u = start_session("+15550000071");
  if (HasFailure())
    return;
  auto& u1 = *u.on_r1;
  auto& u2 = *u.on_r2;

  // Reads through the forwarding answer what the owner answers.
  const auto chats = u1.ok_array("/tg chats");
  ASSERT_EQ(chats.size(), 3U);
  EXPECT_EQ(u2.ok_array("/tg chats"), chats);
  EXPECT_EQ(u2.ok_array("/tg history Alice 2"), u1.ok_array("/tg history Alice 2"));
  EXPECT_EQ(u2.status_of("/tg history Nobody"), 404) << "a problem comes back as itself";

  // A message sent from r2 reaches the session on r1; the incoming echo it pushes reaches U's
  // sockets on both replicas.
  EXPECT_EQ(u2.ok("/tg send Alice echo from-r2").at("chat_id"), 1001);
  for (auto* ws : {&u1, &u2})
    EXPECT_TRUE(ws->push("tg.message",
                         [](const json::object& d) {
                           return d.at("chat_id") == 1001 &&
                                  d.at("message").at("text") == "from-r2" &&
                                  d.at("message").at("sender") == "Alice Example";
                         }))
        << "the incoming message did not reach U's socket on " << (ws == &u1 ? "r1" : "r2");
  EXPECT_EQ(u1.ok_array("/tg history 1001 1").at(0).at("text"), "from-r2");
  expect_only_on("r1");

  // A state change made from r2 is pushed to both sockets too.
  EXPECT_EQ(u2.ok("/tg logout").at("state"), "none");
  for (auto* ws : {&u1, &u2})
    EXPECT_TRUE(ws->push("tg.state", [](const json::object& d) { return d.at("state") == "none"; }))
        << "the logout did not reach U's socket on " << (ws == &u1 ? "r1" : "r2");
  EXPECT_EQ(u2.ok("/tg status").at("state"), "none");
  EXPECT_EQ(u1.ok("/tg status").at("state"), "none");

  // V's sockets got none of U's frames (a round trip each: whatever was queued has arrived).
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i]->run("/me").at("ok"), true);
    EXPECT_FALSE(v[i]->push("tg.state", any, 0ms)) << "V on " << replica_ids[i];
    EXPECT_FALSE(v[i]->push("tg.message", any, 0ms)) << "V on " << replica_ids[i];
  }
  for (auto* ws : {&u1, &u2})
    EXPECT_EQ(ws->not_answered_once(), each_once)
        << "command ids (and replies) not answered exactly once on " << (ws == &u1 ? "r1" : "r2");
}

TEST_F(ScaleOutTelegramTest, KillingTheSessionOwnerBringsTheSessionBackAsNone) {
  auto u = start_session("+15550000081");
  if (HasFailure())
    return;
  auto& u2 = *u.on_r2;
  console_socket u3{port_of("r3"), u.token};
  EXPECT_EQ(u3.ok("/tg status").at("state"), "ready");

  u.on_r1.reset(); // U's socket on r1 goes with it
  replicas_.at("r1")->process().signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  const auto reply = u2.run("/tg status");
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  std::printf("r2 answered /tg status %lld ms after r1 was killed\n",
              static_cast<long long>(took.count()));
  EXPECT_LE(took, 2000ms);
  ASSERT_EQ(reply.at("ok"), true) << json::serialize(reply);
  EXPECT_EQ(reply.at("result").at("state"), "none") << "a session is live-only";
  EXPECT_EQ(replicas_.at("r1")->process().wait_exit(5s), 128 + SIGKILL);

  // r2 took the session over; r3's socket reaches it there.
  const auto owner = session_owner();
  EXPECT_EQ(owner, "r2") << "the replica of the first command after the kill";
  EXPECT_EQ(u3.ok("/tg status").at("state"), "none");
  const auto live = actors_of(session_kind);
  EXPECT_EQ(live.count("r1"), 0U) << "the killed replica still answers";
  expect_only_on(owner);

  // The session taken over works: a new login from r3 is served by r2.
  EXPECT_EQ(u3.ok("/tg login +15550000082").at("state"), "wait_code");
  for (auto* ws : {&u2, &u3})
    EXPECT_TRUE(
        ws->push("tg.state", [](const json::object& d) { return d.at("state") == "wait_code"; }));
  EXPECT_EQ(u2.ok("/tg status").at("state"), "wait_code");
  expect_only_on(owner);
  EXPECT_EQ(u3.ok("/tg logout").at("state"), "none");

  for (auto* ws : {&u2, &u3})
    EXPECT_EQ(ws->not_answered_once(), each_once)
        << "command ids (and replies) not answered exactly once on " << (ws == &u2 ? "r2" : "r3");
}

} // namespace
} // namespace gh::test
