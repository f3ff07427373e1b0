#include "actors/registry.hpp"

#include "messages/gh_errc.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using namespace gh;
using namespace std::chrono_literals;

namespace {

/// What the per-user test actors saw: owner user id -> messages, in order.
using deliveries = std::map<std::string, std::vector<std::string>>;

/// A per-user actor as the registry spawns them: it records each text it gets under its own
/// owner, answers with "owner:text", and fails on "crash".
caf::behavior recorder(caf::event_based_actor* self, user_key key, deliveries* seen) {
  return {
      [self, key, seen](const std::string& text) -> caf::result<std::string> {
        (*seen)[key.user_id].push_back(text);
        if (text == "crash") {
          self->quit(make_error(gh_errc::internal));
          return make_error(gh_errc::internal);
        }
        return key.user_id + ":" + text;
      },
  };
}

class RegistryTest : public testing::Test {
protected:
  static caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.console", caf::atom("none"));
    return cfg;
  }

  RegistryTest()
      : sys(testing_config(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    registry_options options;
    options.kinds["recorder"] =
        user_actor_kind{[this](caf::local_actor* parent, const user_key& key) {
                          return parent->spawn(recorder, key, &seen);
                        },
                        idle};
    options.sweep_interval = sweep;
    options.stats = &stats;
    registry = spawn_registry(sys, std::move(options));
    sched.run();
    baseline = sys.registry().running();
  }

  ~RegistryTest() override {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    sched.run();
  }

  RegistryTest(const RegistryTest&) = delete;
  RegistryTest& operator=(const RegistryTest&) = delete;

  registry_state& state() {
    auto* ptr = caf::actor_cast<caf::abstract_actor*>(registry);
    return dynamic_cast<caf::stateful_actor<registry_state>&>(*ptr).state;
  }

  void forward(const std::string& user, const std::string& text, const std::string& key = {}) {
    caf::anon_send(registry, forward_atom_v, user_key{"recorder", user, key},
                   caf::make_message(text));
  }

  static constexpr auto idle = std::chrono::milliseconds{60000};
  static constexpr auto sweep = std::chrono::milliseconds{1000};

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  deliveries seen;
  metrics stats;
  caf::actor registry;
  size_t baseline = 0;
};

} // namespace

TEST_F(RegistryTest, OneActorPerKeyAndMessagesReachOnlyTheirOwner) {
  forward("alice", "a1");
  forward("bob", "b1");
  forward("alice", "a2");
  forward("alice", "x1", "checkout-1");
  sched.run();
  EXPECT_EQ(state().by_key.size(), 3U);
  EXPECT_EQ(state().spawned, 3U);
  EXPECT_EQ(seen["alice"], (std::vector<std::string>{"a1", "a2", "x1"}));
  EXPECT_EQ(seen["bob"], (std::vector<std::string>{"b1"}));
  EXPECT_EQ(sys.registry().running(), baseline + 3);
}

TEST_F(RegistryTest, ReplyGoesBackToTheRequester) {
  std::string answer;
  caf::error failure;
  auto client = sys.spawn(
      [&](caf::event_based_actor* self, const caf::actor& target) {
        self->request(target, caf::infinite, forward_atom_v, user_key{"recorder", "carol", ""},
                      caf::make_message(std::string{"hello"}))
            .then([&](const std::string& s) { answer = s; });
        self->request(target, caf::infinite, forward_atom_v, user_key{"nope", "carol", ""},
                      caf::make_message(std::string{"hello"}))
            .then([](const std::string&) {}, [&](caf::error& e) { failure = std::move(e); });
      },
      registry);
  sched.run();
  EXPECT_EQ(answer, "carol:hello");
  EXPECT_EQ(failure, make_error(gh_errc::not_found));
}

TEST_F(RegistryTest, EmptyUserIsRefused) {
  forward("", "lost");
  sched.run();
  EXPECT_TRUE(state().by_key.empty());
  EXPECT_TRUE(seen.empty());
}

TEST_F(RegistryTest, ActiveActorsSurviveIdleOnesAreReaped) {
  forward("busy", "1");
  forward("idle", "1");
  sched.run();
  sched.advance_time(idle / 2);
  sched.run();
  forward("busy", "2");
  sched.run();
  sched.advance_time(idle / 2 + sweep);
  sched.run();
  EXPECT_EQ(state().by_key.size(), 1U);
  EXPECT_EQ(state().by_key.begin()->first.user_id, "busy");
  EXPECT_EQ(state().reaped, 1U);
  EXPECT_EQ(sys.registry().running(), baseline + 1);
}

TEST_F(RegistryTest, TenThousandUsersSpawnedCrashedAndReapedWithoutLeaks) {
  constexpr int users = 10000;
  for (int i = 0; i < users; ++i)
    forward("user-" + std::to_string(i), "hello-" + std::to_string(i));
  sched.run();
  ASSERT_EQ(state().by_key.size(), static_cast<size_t>(users));
  EXPECT_EQ(sys.registry().running(), baseline + users);
  for (int i = 0; i < users; ++i) {
    const auto& got = seen["user-" + std::to_string(i)];
    ASSERT_EQ(got.size(), 1U);
    ASSERT_EQ(got[0], "hello-" + std::to_string(i)); // nobody else's message
  }

  // Every tenth actor crashes: the registry forgets it, and the next message respawns it.
  for (int i = 0; i < users; i += 10)
    forward("user-" + std::to_string(i), "crash");
  sched.run();
  EXPECT_EQ(state().by_key.size(), static_cast<size_t>(users - users / 10));
  EXPECT_EQ(state().crashed, static_cast<uint64_t>(users / 10));
  EXPECT_EQ(state().by_addr.size(), state().by_key.size());
  EXPECT_EQ(sys.registry().running(), baseline + users - users / 10);
  forward("user-0", "back");
  sched.run();
  EXPECT_EQ(seen["user-0"].back(), "back");
  EXPECT_EQ(state().spawned, static_cast<uint64_t>(users + 1));

  // Idle past the timeout: all are stopped and forgotten, nothing stays behind.
  sched.advance_time(idle + sweep);
  sched.run();
  EXPECT_TRUE(state().by_key.empty());
  EXPECT_TRUE(state().by_addr.empty());
  EXPECT_EQ(state().reaped, static_cast<uint64_t>(users - users / 10 + 1));
  EXPECT_EQ(state().live["recorder"], 0);
  EXPECT_EQ(sys.registry().running(), baseline);
  EXPECT_NE(stats.render(dependency_health{}).find("gatehouse_actors{kind=\"recorder\"} 0"),
            std::string::npos);
}

TEST_F(RegistryTest, DrainStopsIdleActorsRefusesNewOnesAndKeepsServingLiveOnes) {
  forward("old", "1");
  forward("recent", "1");
  sched.run();
  sched.advance_time(std::chrono::seconds{20});
  sched.run();
  forward("recent", "2");
  sched.run();

  // Drain with a 10 s bound: "old" has idled 20 s and stops at once; "recent" stays.
  std::vector<std::string> stopped;
  caf::error refused;
  std::string served;
  sys.spawn(
      [&](caf::event_based_actor* self, const caf::actor& target) {
        self->request(target, caf::infinite, drain_atom_v, int64_t{10000})
            .then([&](std::vector<std::string>& kinds) { stopped = std::move(kinds); });
      },
      registry);
  sched.run();
  EXPECT_EQ(stopped, (std::vector<std::string>{"recorder"}));
  EXPECT_TRUE(state().draining);
  ASSERT_EQ(state().by_key.size(), 1U);
  EXPECT_EQ(state().by_key.begin()->first.user_id, "recent");
  EXPECT_EQ(state().live["recorder"], 1);

  // A new key is refused (its kind's hook sees the message); the live actor still answers.
  std::vector<std::string> hooked;
  state().options.kinds["recorder"].refused = [&](caf::message& m) {
    if (m.match_elements<std::string>())
      hooked.push_back(m.get_as<std::string>(0));
  };
  sys.spawn(
      [&](caf::event_based_actor* self, const caf::actor& target) {
        self->request(target, caf::infinite, forward_atom_v, user_key{"recorder", "new", ""},
                      caf::make_message(std::string{"hello"}))
            .then([](const std::string&) {}, [&](caf::error& e) { refused = std::move(e); });
        self->request(target, caf::infinite, forward_atom_v, user_key{"recorder", "recent", ""},
                      caf::make_message(std::string{"3"}))
            .then([&](const std::string& s) { served = s; });
      },
      registry);
  sched.run();
  EXPECT_EQ(refused, make_error(gh_errc::provider_unavailable));
  EXPECT_EQ(hooked, (std::vector<std::string>{"hello"}));
  EXPECT_EQ(served, "recent:3");
  EXPECT_TRUE(seen["new"].empty());

  // From now on the drain's bound, not the kind's 60 s, decides: idle 10 s and it stops.
  sched.advance_time(std::chrono::seconds{10} + sweep);
  sched.run();
  EXPECT_TRUE(state().by_key.empty());
  EXPECT_EQ(state().reaped, 2U);
  EXPECT_EQ(sys.registry().running(), baseline);
}

TEST_F(RegistryTest, ASecondDrainKeepsTheShorterBound) {
  forward("a", "1");
  sched.run();
  caf::anon_send(registry, drain_atom_v, int64_t{5000});
  caf::anon_send(registry, drain_atom_v, int64_t{30000});
  sched.run();
  EXPECT_EQ(state().drain_idle, caf::timespan{std::chrono::seconds{5}});
  EXPECT_EQ(state().by_key.size(), 1U);
  sched.advance_time(std::chrono::seconds{5} + sweep);
  sched.run();
  EXPECT_TRUE(state().by_key.empty());
}
