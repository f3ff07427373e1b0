#pragma once

// Three Gatehouse replicas behind nginx, the local scale-out setup of
// deploy/nginx/gatehouse-local.conf (DESIGN.md "Growing past one machine"): one nats-server of
// the test's own, the run's PostgreSQL (a scratch database per test) and Redis, the fake Stripe
// and the SMTP sink, replicas r1, r2 and r3 sharing GATEHOUSE_DATA_DIR (one key set: a token from
// one works on all) with GATEHOUSE_PUBLIC_URL naming nginx, and nginx round robin in front. Which
// replica holds a per-user actor is read from the per-kind actor counts each one reports on the
// fan-out `gatehouse.ops.instances`. A derived fixture adds settings of its own to each replica
// (`replica_env`).
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/nats_client.hpp"
#include "tests/support/nginx_front.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/smtp_sink.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace gh::test {

using namespace std::chrono_literals;
namespace json = boost::json;

inline constexpr const char* admin_key = "bootstrap-admin-key-for-scaleout";
inline constexpr const char* checkout_route = "/api/v1/checkout/{checkout_id}";
inline const std::vector<std::string> replica_ids{"r1", "r2", "r3"};

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

/// `{"r1":n,...}` for failure messages.
inline std::string describe(const std::map<std::string, int64_t>& counts) {
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
      std::map<std::string, std::string> env{
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
          {"GATEHOUSE_ALLOWED_REDIRECTS", "https://app.example.com"}};
      env.merge(replica_env(id)); // the harness's own settings win
      replicas_[id] = std::make_unique<gatehouse_process>(std::move(env));
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

  /// Settings of replica `id` besides the harness's own (which win over these).
  virtual std::map<std::string, std::string> replica_env(const std::string& /*id*/) { return {}; }

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

  /// Live actors of `kind` by replica, for every replica that answers.
  std::map<std::string, int64_t> actors_of(const std::string& kind) {
    std::map<std::string, int64_t> out;
    for (const auto& [id, o] : instances())
      out[id] = o.at("actors").at(kind).as_int64();
    return out;
  }

  /// Live `checkout_flow` actors by replica, for every replica that answers.
  std::map<std::string, int64_t> checkout_actors() { return actors_of("checkout_flow"); }

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

} // namespace gh::test
