// Per-user actors placed across instances (DESIGN.md "Growing past one machine"): two
// registries in one process, each with its own NATS connection, lease keeper and owner link,
// against the run's real nats-server (JetStream KV and request/reply), as two Gatehouse
// instances would have them.

#include "actors/placement.hpp"
#include "actors/registry.hpp"
#include "messages/gh_errc.hpp"
#include "messages/type_ids.hpp"
#include "persistence/jetstream/lease_store.hpp"
#include "persistence/jetstream/owner_link.hpp"
#include "tests/support/process.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace gh;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view counter_kind = "counter";

/// A per-user actor that answers `status_atom` with "<instance>:<how many it answered>".
caf::behavior counter(caf::event_based_actor* self, std::string instance) {
  auto n = std::make_shared<int>(0);
  return {
      [self, instance, n](status_atom) { return instance + ":" + std::to_string(++*n); },
  };
}

/// The counter's codec: `status` travels as "status", its answer as the text itself.
user_actor_remote counter_remote() {
  user_actor_remote r;
  r.outgoing = [](const user_key&, caf::message& msg, caf::response_promise& promise)
      -> std::optional<std::pair<std::string, user_actor_remote::answer_fn>> {
    if (!msg.match_elements<status_atom>())
      return std::nullopt;
    return std::pair{std::string{"status"},
                     user_actor_remote::answer_fn{[promise](caf::expected<std::string> a) mutable {
                       if (a)
                         promise.deliver(std::move(*a));
                       else
                         promise.deliver(a.error());
                     }}};
  };
  r.incoming = [](caf::event_based_actor* self, const caf::actor& actor, std::string_view text,
                  user_actor_remote::reply_fn reply) {
    if (text != "status")
      return false;
    self->request(actor, 5s, status_atom_v)
        .then([reply](std::string& s) { reply(std::move(s)); },
              [reply](caf::error&) { reply("error"); });
    return true;
  };
  return r;
}

/// One instance: a NATS connection, a registry with the counter kind, and its placement.
class instance {
public:
  instance(caf::actor_system& sys, std::string id, const std::string& bucket)
      : sys_(sys), id_(std::move(id)) {
    const std::string url = test::required_env("NATS_URL");
    EXPECT_EQ(natsConnection_ConnectTo(&nc_, url.c_str()), NATS_OK);
    registry_options options;
    options.kinds[std::string{counter_kind}] =
        user_actor_kind{[id = id_](caf::local_actor* parent, const user_key&) {
                          return parent->spawn(counter, id);
                        },
                        std::chrono::minutes{10},
                        {},
                        counter_remote()};
    options.sweep_interval = 100ms;
    registry = spawn_registry(sys, std::move(options));
    std::string error;
    leases_ = nats::lease_store::open(nc_, bucket, 1500ms, error);
    EXPECT_NE(leases_, nullptr) << error;
    link_ = nats::owner_link::open(
        nc_, id_, registry_request_sink(registry), registry_answer_sink(registry),
        [](const std::string&, const std::string&) {}, error);
    EXPECT_NE(link_, nullptr) << error;
    registry_placement p;
    p.leases = leases_.get();
    p.channel = link_.get();
    p.instance = id_;
    p.renew_interval = 300ms;
    p.remote_timeout = 3s;
    caf::scoped_actor self{sys};
    bool on = false;
    self->request(registry, 5s, add_atom_v, std::move(p))
        .receive([&](bool b) { on = b; }, [](caf::error&) {});
    EXPECT_TRUE(on);
  }

  ~instance() {
    // As Gatehouse stops: the link first, then the leases, then the registry; the keeper's
    // last messages are over well before the store and the connection go.
    if (link_)
      link_->close();
    caf::scoped_actor self{sys_};
    self->request(registry, 6s, release_atom_v).receive([](bool) {}, [](caf::error&) {});
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    std::this_thread::sleep_for(200ms);
    registry = nullptr;
  }

  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  /// Stops answering on the owner subject, as a process that died would, while its registry
  /// and keeper go on.
  void fall_silent() { link_->close(); }

  /// What the counter of `user` answers when asked through this instance.
  std::string ask(caf::actor_system& sys, const std::string& user) const {
    caf::scoped_actor self{sys};
    std::string out;
    self->request(registry, 10s, forward_atom_v, user_key{std::string{counter_kind}, user, {}},
                  caf::make_message(status_atom_v))
        .receive([&](std::string& s) { out = std::move(s); },
                 [&](caf::error& e) { out = "error:" + std::to_string(e.code()); });
    return out;
  }

  /// Live counters here.
  uint64_t live(caf::actor_system& sys) const {
    caf::scoped_actor self{sys};
    uint64_t n = 99;
    self->request(registry, 5s, count_atom_v, std::string{counter_kind})
        .receive([&](uint64_t c) { n = c; }, [](caf::error&) {});
    return n;
  }

  caf::actor registry;

private:
  /// The connection, destroyed after the link and the store declared below it.
  struct connection {
    natsConnection* nc = nullptr;
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { natsConnection_Destroy(nc); }
  };

  caf::actor_system& sys_;
  std::string id_;
  connection conn_;
  natsConnection*& nc_ = conn_.nc;
  std::unique_ptr<nats::lease_store> leases_;
  std::unique_ptr<nats::owner_link> link_;
};

std::string placement_bucket() {
  std::random_device rd;
  return "gatehouse_placement_test_" + std::to_string(rd()) + std::to_string(rd());
}

std::string fresh_user() {
  std::random_device rd;
  return "user-" + std::to_string(rd());
}

class PlacementTest : public testing::Test {
protected:
  static caf::actor_system_config& config(caf::actor_system_config& cfg) {
    cfg.set("logger.console", caf::atom("none"));
    return cfg;
  }
  PlacementTest() : sys(config(cfg)) {}

  bool eventually(std::chrono::milliseconds limit, const std::function<bool()>& check) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (check())
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return check();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::string bucket = placement_bucket();
};

TEST_F(PlacementTest, AMessageForAnActorOwnedElsewhereReachesItsOwner) {
  instance a{sys, "a", bucket};
  instance b{sys, "b", bucket};
  const auto user = fresh_user();
  EXPECT_EQ(a.ask(sys, user), "a:1");
  EXPECT_EQ(b.ask(sys, user), "a:2");
  EXPECT_EQ(b.ask(sys, user), "a:3");
  EXPECT_EQ(a.ask(sys, user), "a:4");
  EXPECT_EQ(a.live(sys), 1U);
  EXPECT_EQ(b.live(sys), 0U);
  // Another user's actor is placed where it is first asked for, independently.
  const auto other = fresh_user();
  EXPECT_EQ(b.ask(sys, other), "b:1");
  EXPECT_EQ(a.ask(sys, other), "b:2");
}

TEST_F(PlacementTest, AnOwnerThatStopsAnsweringIsTakenOverAndItsOwnActorStops) {
  instance a{sys, "a", bucket};
  instance b{sys, "b", bucket};
  const auto user = fresh_user();
  EXPECT_EQ(a.ask(sys, user), "a:1");
  a.fall_silent();
  const auto start = std::chrono::steady_clock::now();
  // Nobody listens for a any more: b takes the lease over and runs the actor itself, afresh.
  EXPECT_EQ(b.ask(sys, user), "b:1");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(b.ask(sys, user), "b:2");
  EXPECT_EQ(b.live(sys), 1U);
  // a's next renewal finds the lease taken, and its actor stops: never two owners.
  EXPECT_TRUE(eventually(3s, [&] { return a.live(sys) == 0; }));
}

TEST_F(PlacementTest, ADrainedOwnerHandsItsActorsOver) {
  instance a{sys, "a", bucket};
  instance b{sys, "b", bucket};
  const auto user = fresh_user();
  EXPECT_EQ(a.ask(sys, user), "a:1");
  EXPECT_EQ(b.ask(sys, user), "a:2");
  caf::scoped_actor self{sys};
  self->request(a.registry, 5s, drain_atom_v, int64_t{0})
      .receive([](std::vector<std::string>& stopped) { EXPECT_EQ(stopped.size(), 1U); },
               [](caf::error& e) { ADD_FAILURE() << e.code(); });
  EXPECT_EQ(a.live(sys), 0U);
  // The lease was given up with the actor: the next message starts it on b.
  EXPECT_TRUE(eventually(2s, [&] { return b.ask(sys, user) == "b:1"; }));
  // A message sent to the drained instance is forwarded to the new owner, not started there.
  EXPECT_EQ(a.ask(sys, user), "b:2");
  EXPECT_EQ(a.live(sys), 0U);
}

TEST(PlacementEnvelopeTest, RoundTripsAndRefusesEverythingElse) {
  const user_key key{"telegram_session", "u-1", ""};
  auto decoded = decode_envelope(encode_envelope(key, R"({"name":"tg.me"})"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->first, key);
  EXPECT_EQ(decoded->second, R"({"name":"tg.me"})");
  for (std::string_view bad : {"", "null", "[]", "{", R"({"kind":"k","user":"u","key":""})",
                               R"({"kind":"k","user":"u","key":"","text":1})",
                               R"({"kind":"","user":"u","key":"","text":""})",
                               R"({"kind":"k","user":"","key":"","text":""})",
                               R"({"kind":"k","user":"u","key":"","text":"","more":1})",
                               R"({"kind":["k"],"user":"u","key":"","text":""})"})
    EXPECT_FALSE(decode_envelope(bad)) << bad;
  EXPECT_FALSE(decode_envelope(encode_envelope({"k", std::string(70000, 'u'), ""}, "")));
}

TEST(PlacementEnvelopeTest, AnswersAreAnAnswerOrAMoveAndNothingElse) {
  auto a = decode_answer(encode_answer("a:1"));
  ASSERT_TRUE(a && a->answer);
  EXPECT_EQ(*a->answer, "a:1");
  auto m = decode_answer(encode_moved("b"));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->answer);
  EXPECT_EQ(m->moved, "b");
  for (std::string_view bad : {"", "{}", R"({"answer":1})", R"({"moved":null})",
                               R"({"answer":"x","moved":"y"})", "\"answer\"", "{\"answer\":\"x"})
    EXPECT_FALSE(decode_answer(bad)) << bad;
}

TEST(PlacementEnvelopeTest, RelayedPushesCarryOriginUserAndFrameOnly) {
  auto p = decode_push(encode_push({"r1", "u-1", R"({"event":"tg.state"})"}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->origin, "r1");
  EXPECT_EQ(p->user, "u-1");
  EXPECT_EQ(p->frame, R"({"event":"tg.state"})");
  for (std::string_view bad :
       {"", "[]", R"({"origin":"r1","user":"u"})", R"({"origin":"","user":"u","frame":""})",
        R"({"origin":"r1","user":"","frame":""})", R"({"origin":"r1","user":"u","frame":{}})",
        R"({"origin":"r1","user":"u","frame":"","x":0})"})
    EXPECT_FALSE(decode_push(bad)) << bad;
}

} // namespace
