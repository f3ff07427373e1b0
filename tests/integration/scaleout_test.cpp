// The scale-out harness (scaleout_fixture.hpp: three replicas behind nginx) with checkouts and
// JetStream work. The split of JetStream work is measured on the email worker: it pulls one
// message at a time, where the others pull 256 (with those, whole batches land on one replica
// and a 3,000-event split varies by more than 20 %). A checkout's owner is the replica that
// served its POST (the handler starts the checkout's actor there).
#include "tests/integration/scaleout_fixture.hpp"

#include <csignal>
#include <cstdio>
#include <future>
#include <optional>
#include <thread>

namespace gh::test {
namespace {

/// An `email.send` event for recipient number `i`. The email worker pulls one message at a
/// time (`consumer_spec::batch` 1), so JetStream hands the messages out one by one.
std::string email_send(int i) {
  char id[37];
  std::snprintf(id, sizeof id, "5ca1e0a7-0000-4000-8000-%012d", i);
  const auto n = std::to_string(i);
  return R"({"id":")" + std::string{id} +
         R"(","type":"email.send","occurred_at":"2026-12-06T10:00:00Z",)"
         R"("tenant_id":"00000000-0000-0000-0000-000000000001","data":{"to":"u)" +
         n + R"(@example.com","template":"welcome","vars":{},"idempotency_key":"scaleout-)" + n +
         R"("}})";
}

TEST_F(ScaleOutTest, JetStreamWorkIsSplitAcrossTheReplicas) {
  constexpr int events = 3000;
  for (int i = 0; i < events; ++i)
    client_->publish("email.send", email_send(i), "scaleout-" + std::to_string(i));
  // The latest counts of each replica, until together they account for every event (counts
  // only grow, so a stale answer undercounts and never ends the wait early).
  std::map<std::string, json::object> email;
  const auto accounted = [&] {
    int64_t n = 0;
    for (const auto& [id, w] : email)
      n += w.at("processed").as_int64() + w.at("skipped").as_int64() +
           w.at("dead_lettered").as_int64();
    return n;
  };
  ASSERT_TRUE(eventually(120s,
                         [&] {
                           for (auto& [id, o] : stats_of_each())
                             email[id] = o.at("consumers").at("email").as_object();
                           return email.size() == replica_ids.size() && accounted() >= events;
                         }))
      << "accounted for " << accounted() << " of " << events;

  int64_t processed = 0;
  std::ostringstream split;
  for (const auto& [id, w] : email) {
    processed += w.at("processed").as_int64();
    split << id << "=" << w.at("processed").as_int64() << " ";
    EXPECT_EQ(w.at("skipped").as_int64(), 0) << id << " saw an event twice";
    EXPECT_EQ(w.at("dead_lettered").as_int64(), 0) << id;
    EXPECT_EQ(w.at("retried").as_int64(), 0) << id;
  }
  std::printf("email events processed per replica: %s\n", split.str().c_str());
  EXPECT_EQ(processed, events) << split.str();
  const double mean = static_cast<double>(processed) / static_cast<double>(replica_ids.size());
  for (const auto& [id, w] : email) {
    const auto n = static_cast<double>(w.at("processed").as_int64());
    EXPECT_GE(n, 0.8 * mean) << id << " took too little: " << split.str();
    EXPECT_LE(n, 1.2 * mean) << id << " took too much: " << split.str();
  }
  // Each event id is recorded once, for this consumer.
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM processed_events WHERE consumer = 'email'"),
            std::to_string(events));
  EXPECT_EQ(sink_.messages().size(), static_cast<std::size_t>(events));
}

TEST_F(ScaleOutTest, ACheckoutsCommandsReachTheReplicaThatOwnsIt) {
  auto c = start_checkout();
  ASSERT_FALSE(c.owner.empty());
  read_through_front(c);
}

TEST_F(ScaleOutTest, KillingTheOwnerReHomesTheActorWithinTwoSeconds) {
  auto c = start_checkout();
  ASSERT_FALSE(c.owner.empty());
  read_through_front(c);
  if (HasFatalFailure())
    return;

  // Each survivor is asked straight (not through nginx), both at once, from the kill on.
  const auto killed = std::chrono::steady_clock::now();
  replicas_.at(c.owner)->process().signal(SIGKILL);
  std::map<std::string,
           std::future<std::pair<std::optional<std::chrono::milliseconds>, std::string>>>
      first_ok;
  for (const auto& [id, replica] : replicas_) {
    if (id == c.owner)
      continue;
    first_ok[id] = std::async(std::launch::async, [&, port = replica->port()] {
      std::string last;
      while (std::chrono::steady_clock::now() - killed < 15s) {
        try {
          const auto r = http_call(port, "GET", c.target(), {}, c.auth());
          if (r.status == 200 && json::parse(r.body).at("status").as_string() == c.status)
            return std::pair{std::optional{std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - killed)},
                             r.body};
          last = std::to_string(r.status) + " " + r.body;
        } catch (const std::exception& e) {
          last = e.what();
        }
        std::this_thread::sleep_for(20ms);
      }
      return std::pair{std::optional<std::chrono::milliseconds>{}, last};
    });
  }
  for (auto& [id, f] : first_ok) {
    const auto [after, last] = f.get();
    ASSERT_TRUE(after) << id << " never answered 200 within 15 s; last: " << last;
    std::printf("%s answered 200 %lld ms after the owner %s was killed\n", id.c_str(),
                static_cast<long long>(after->count()), c.owner.c_str());
    EXPECT_LE(*after, 2000ms) << id << " took " << after->count() << " ms";
  }
  EXPECT_EQ(replicas_.at(c.owner)->process().wait_exit(5s), 128 + SIGKILL);

  // Exactly one survivor holds the actor now.
  const auto live = checkout_actors();
  EXPECT_EQ(live.count(c.owner), 0U) << "the killed replica still answers";
  int64_t held = 0;
  for (const auto& [id, n] : live)
    held += n;
  EXPECT_EQ(held, 1) << "checkout_flow actors on the survivors: " << describe(live);
}

TEST_F(ScaleOutTest, ADrainedReplicaHandsOverItsActors) {
  auto c = start_checkout();
  ASSERT_FALSE(c.owner.empty());
  read_through_front(c);
  if (HasFatalFailure())
    return;

  // A drain's idle bound is at least 1 s (0 is refused): the checkout's actor is stopped once
  // it has been idle that long, at the registry's next sweep.
  const auto reply =
      client_->request("gatehouse.ops.instance." + c.owner + ".drain", R"({"idle_seconds":1})", 5s);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->headers.count("Nats-Service-Error-Code"), 0U) << reply->body;
  EXPECT_TRUE(json::parse(reply->body).at("draining").as_bool());
  EXPECT_TRUE(eventually(10s, [&] { return checkout_actors().at(c.owner) == 0; }))
      << "the drained replica still holds the checkout's actor";

  std::string survivor;
  for (const auto& id : replica_ids)
    if (id != c.owner && survivor.empty())
      survivor = id;
  const auto r = http_call(replicas_.at(survivor)->port(), "GET", c.target(), {}, c.auth());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("status").as_string(), c.status);

  const auto live = checkout_actors();
  ASSERT_EQ(live.size(), replica_ids.size());
  EXPECT_EQ(live.at(c.owner), 0) << "the drained replica started the checkout's actor again";
  int64_t on_survivors = 0;
  for (const auto& [id, n] : live)
    if (id != c.owner)
      on_survivors += n;
  EXPECT_EQ(on_survivors, 1) << "one actor on the survivors, not one each: " << describe(live);
}

} // namespace
} // namespace gh::test
