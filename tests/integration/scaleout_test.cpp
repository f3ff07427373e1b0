// Three Gatehouse replicas behind nginx, the local scale-out setup of
// deploy/nginx/gatehouse-local.conf (DESIGN.md "Growing past one machine"): one nats-server of
// the test's own, the run's PostgreSQL (a scratch database per test) and Redis, the fake Stripe
// and the SMTP sink, replicas r1, r2 and r3 sharing GATEHOUSE_DATA_DIR (one key set: a token from
// one works on all) with GATEHOUSE_PUBLIC_URL naming nginx, and nginx round robin in front. Which
// replica holds a per-user actor is read from the per-kind actor counts each one reports on the
// fan-out `gatehouse.ops.instances`; the checkout's owner is the replica that served its POST
// (the handler starts the checkout's actor there). The split of JetStream work is measured on
// the email worker: it pulls one message at a time, where the others pull 256 (with those, whole
// batches land on one replica and a 3,000-event split varies by more than 20 %).
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/nats_client.hpp"
#include "tests/support/nginx_front.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/smtp_sink.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* admin_key = "bootstrap-admin-key-for-scaleout";
constexpr const char* checkout_route = "/api/v1/checkout/{checkout_id}";
const std::vector<std::string> replica_ids{"r1", "r2", "r3"};

/// A checkout as the tests follow it.
struct open_checkout {
  std::string token;
  std::string id;
  std::string owner; ///< The replica whose actor follows it.
  std::string status;

  std::map<std::string, std::string> auth() const {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  }
  std::string target() const { return "/api/v1/checkout/" + id; }
};

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

/// `{"r1":n,...}` for failure messages.
std::string describe(const std::map<std::string, int64_t>& counts) {
  json::object o;
  for (const auto& [id, n] : counts)
    o[id] = n;
  return json::serialize(o);
}

class ScaleOutTest : public ::testing::Test {
protected:
  ScaleOutTest() {
    char dir[] = "/tmp/gh-scaleout-XXXXXX";
    data_dir_ = ::mkdtemp(dir);
  }
  ~ScaleOutTest() override {
    front_.reset();
    replicas_.clear();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  void SetUp() override {
    // nginx's port first: every replica names it as its public URL.
    const auto front = free_port();
    std::vector<uint16_t> ports;
    for (const auto& id : replica_ids) {
      replicas_[id] = std::make_unique<gatehouse_process>(std::map<std::string, std::string>{
          {"DATABASE_URL", db_.url()},
          {"NATS_URL", nats_.url()},
          {"GATEHOUSE_DATA_DIR", data_dir_},
          {"GATEHOUSE_INSTANCE_ID", id},
          {"GATEHOUSE_PUBLIC_URL", "http://127.0.0.1:" + std::to_string(front)},
          {"GATEHOUSE_REGISTER_RATE", "1000"},
          {"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", admin_key},
          {"STRIPE_SECRET_KEY", stripe_.secret_key()},
          {"STRIPE_API_BASE", stripe_.base_url()},
          {"SMTP_URL", sink_.url()},
          {"STRIPE_WEBHOOK_SECRET", "whsec_gatehouse_scaleout_test"},
          {"GATEHOUSE_ALLOWED_REDIRECTS", "https://app.example.com"}});
      ASSERT_NE(replicas_[id]->port(), 0) << id;
      ports.push_back(replicas_[id]->port());
    }
    client_ = std::make_unique<nats_client>(nats_.url());
    // Every replica answers the fan-out and says NATS is up (its streams exist).
    ASSERT_TRUE(eventually(30s, [&] { return instances().size() == replica_ids.size(); }));
    ASSERT_TRUE(eventually(30s, [&] {
      const auto stats = stats_of_each();
      if (stats.size() != replica_ids.size())
        return false;
      for (const auto& [id, o] : stats)
        if (o.at("dependencies").at("nats").as_string() != "ok")
          return false;
      return true;
    }));
    front_ = std::make_unique<nginx_front>(front, ports);
    ASSERT_TRUE(
        eventually(10s, [&] { return http_call(front_->port(), "GET", "/readyz").status == 200; }));
  }

  /// The `gatehouse.ops.instances` answers by instance id (every live replica answers).
  std::map<std::string, json::object> instances() {
    std::map<std::string, json::object> out;
    for (const auto& r : client_->collect("gatehouse.ops.instances", "", 1s)) {
      auto o = json::parse(r.body).as_object();
      out[std::string{o.at("instance").as_string()}] = o;
    }
    return out;
  }

  /// The latest `gatehouse.ops.stats` answer of every replica: one replica of the queue group
  /// answers each request, so it asks until each has answered (or `timeout` passed).
  std::map<std::string, json::object> stats_of_each(std::chrono::milliseconds timeout = 10s) {
    std::map<std::string, json::object> out;
    eventually(timeout, [&] {
      const auto body = client_->request("gatehouse.ops.stats");
      if (!body.empty()) {
        auto o = json::parse(body).as_object();
        out[std::string{o.at("instance").as_string()}] = o;
      }
      return out.size() == replica_ids.size();
    });
    return out;
  }

  /// Live `checkout_flow` actors by replica, for every replica that answers.
  std::map<std::string, int64_t> checkout_actors() {
    std::map<std::string, int64_t> out;
    for (const auto& [id, o] : instances())
      out[id] = o.at("actors").at("checkout_flow").as_int64();
    return out;
  }

  /// Replicas holding at least one `checkout_flow` actor.
  std::set<std::string> holders() {
    std::set<std::string> out;
    for (const auto& [id, n] : checkout_actors())
      if (n > 0)
        out.insert(id);
    return out;
  }

  /// How often the replica on `port` answered GET /api/v1/checkout/{id} with 200 (/metrics).
  static int64_t checkout_reads_served(uint16_t port) {
    const auto metrics = http_call(port, "GET", "/metrics").body;
    const std::string series = std::string{"gatehouse_http_requests_total{route=\""} +
                               checkout_route + "\",method=\"GET\",status=\"200\"} ";
    std::istringstream lines{metrics};
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with(series))
        return std::stoll(line.substr(series.size()));
    return 0;
  }

  /// A user signed up through nginx with a checkout of a new plan, created through nginx; the
  /// owner is the one replica whose actor it started.
  open_checkout start_checkout() {
    const auto front = front_->port();
    open_checkout c;
    c.token = signed_up_token(front);
    const auto plan =
        http_call(front, "POST", "/api/v1/admin/plans",
                  R"({"name":"Scale","amount":1500,"currency":"EUR","interval":"month"})",
                  {{"Authorization", std::string{"ApiKey "} + admin_key},
                   {"Content-Type", "application/json"}});
    EXPECT_EQ(plan.status, 201) << plan.body;
    if (plan.status != 201)
      return c;
    const std::string plan_id{json::parse(plan.body).at("id").as_string()};
    const auto made = http_call(front, "POST", "/api/v1/plans/checkout",
                                R"({"plan_id":")" + plan_id + R"("})", c.auth());
    EXPECT_EQ(made.status, 201) << made.body;
    if (made.status != 201)
      return c;
    c.id = std::string{json::parse(made.body).at("checkout_id").as_string()};
    EXPECT_TRUE(eventually(10s, [&] {
      const auto held = holders();
      if (held.size() != 1)
        return false;
      c.owner = *held.begin();
      return true;
    })) << "no single replica started the checkout's actor";
    return c;
  }

  /// 30 reads of `c` through nginx: every one 200 with one status, and round robin reached
  /// every replica; then only the owner holds the checkout's actor.
  void read_through_front(open_checkout& c) {
    std::set<std::string> statuses;
    for (int i = 0; i < 30; ++i) {
      const auto r = http_call(front_->port(), "GET", c.target(), {}, c.auth());
      ASSERT_EQ(r.status, 200) << "read " << i << ": " << r.body;
      statuses.insert(std::string{json::parse(r.body).at("status").as_string()});
    }
    EXPECT_EQ(statuses.size(), 1U);
    c.status = *statuses.begin();
    EXPECT_EQ(c.status, "open");
    for (const auto& [id, replica] : replicas_)
      EXPECT_GE(checkout_reads_served(replica->port()), 1) << id << " was never asked";
    const auto live = checkout_actors();
    ASSERT_EQ(live.size(), replica_ids.size());
    for (const auto& [id, n] : live)
      EXPECT_EQ(n, id == c.owner ? 1 : 0)
          << "replica " << id << " (the owner is " << c.owner << ")";
  }

  scratch_database db_;
  nats_server nats_;
  fake_stripe stripe_;
  smtp_sink sink_;
  std::string data_dir_;
  std::map<std::string, std::unique_ptr<gatehouse_process>> replicas_;
  std::unique_ptr<nats_client> client_;
  std::unique_ptr<nginx_front> front_;
};

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
