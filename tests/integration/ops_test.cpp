// The operators' verbs over the NATS micro-service (README "Operating over NATS") against real
// parts: two Gatehouse processes, a nats-server of the test's own, the run's PostgreSQL (a
// scratch database per test) and Redis. Requests go out as `nats req` sends them.
#include "tests/support/http_client.hpp"
#include "tests/support/nats_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

/// Header `name` of `m`; empty when it has none.
std::string header(const stored_message& m, const std::string& name) {
  auto it = m.headers.find(name);
  return it == m.headers.end() ? std::string{} : it->second;
}

class OpsVerbsTest : public ::testing::Test {
protected:
  OpsVerbsTest() {
    char dir[] = "/tmp/gh-ops-XXXXXX";
    data_dir_ = ::mkdtemp(dir);
  }
  ~OpsVerbsTest() override {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  std::unique_ptr<gatehouse_process> start(const std::string& instance) {
    return std::make_unique<gatehouse_process>(std::map<std::string, std::string>{
        {"DATABASE_URL", db_.url()},
        {"NATS_URL", nats_.url()},
        {"GATEHOUSE_DATA_DIR", data_dir_}, // one key set: a token works on both
        {"GATEHOUSE_INSTANCE_ID", instance},
        {"GATEHOUSE_REGISTER_RATE", "1000"}});
  }

  /// Waits until `instance` says NATS is up (its streams exist and its endpoints answer).
  void wait_ready(nats_client& client, const std::string& instance) {
    ASSERT_TRUE(eventually(30s, [&] {
      for (const auto& r : client.collect("gatehouse.ops.instances", "", 500ms))
        if (boost::json::parse(r.body).at("instance").as_string() == instance)
          return true;
      return false;
    })) << instance;
    ASSERT_TRUE(eventually(30s, [&] {
      const auto body = client.request("gatehouse.ops.stats");
      return !body.empty() &&
             boost::json::parse(body).at("dependencies").at("nats").as_string() == "ok";
    }));
  }

  /// The `gatehouse.ops.instances` answers by instance id.
  static std::map<std::string, boost::json::object> instances(nats_client& client) {
    std::map<std::string, boost::json::object> out;
    for (const auto& r : client.collect("gatehouse.ops.instances", "", 1s)) {
      auto o = boost::json::parse(r.body).as_object();
      out[std::string{o.at("instance").as_string()}] = o;
    }
    return out;
  }

  scratch_database db_;
  nats_server nats_;
  std::string data_dir_;
};

TEST_F(OpsVerbsTest, EveryInstanceAnswersAndADrainedOneLeavesReadinessAlone) {
  auto a = start("ops-a");
  auto b = start("ops-b");
  nats_client client{nats_.url()};
  wait_ready(client, "ops-a");
  wait_ready(client, "ops-b");

  auto all = instances(client);
  ASSERT_EQ(all.size(), 2U);
  for (const auto* id : {"ops-a", "ops-b"}) {
    const auto& o = all.at(id);
    EXPECT_EQ(o.at("version").as_string(), "0.1.0");
    EXPECT_FALSE(o.at("draining").as_bool());
    EXPECT_TRUE(o.at("ready").as_bool());
    EXPECT_FALSE(o.at("started").as_string().empty());
    EXPECT_TRUE(o.at("actors").is_object());
    EXPECT_TRUE(o.at("actors").as_object().contains("checkout_flow")) << o;
    EXPECT_EQ(o.at("websockets").as_int64(), 0);
  }
  // `$SRV.INFO` names each instance's own drain subject, so `nats micro info` finds it.
  const auto info = client.request("$SRV.INFO.gatehouse.ops-a");
  EXPECT_NE(info.find("gatehouse.ops.instance.ops-a.drain"), std::string::npos) << info;
  EXPECT_NE(info.find("gatehouse.ops.instances"), std::string::npos) << info;

  // A WebSocket opened before the drain stays; one opened after it is refused.
  const auto token = signed_up_token(a->port());
  ws_client before{a->port(), ws_bearer(token)};
  EXPECT_EQ(instances(client).at("ops-a").at("websockets").as_int64(), 1);
  EXPECT_EQ(http_call(a->port(), "GET", "/readyz").status, 200);

  const auto reply =
      client.request("gatehouse.ops.instance.ops-a.drain", R"({"idle_seconds":5})", 5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->headers.count("Nats-Service-Error-Code"), 0U) << reply->body;
  const auto drained = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(drained.at("instance").as_string(), "ops-a");
  EXPECT_TRUE(drained.at("draining").as_bool());
  EXPECT_FALSE(drained.at("already_draining").as_bool());
  EXPECT_EQ(drained.at("idle_seconds").as_int64(), 5);
  EXPECT_TRUE(drained.at("stopped").is_object());
  EXPECT_EQ(drained.at("readyz").as_int64(), 503);

  const auto ready_a = http_call(a->port(), "GET", "/readyz");
  EXPECT_EQ(ready_a.status, 503);
  EXPECT_EQ(boost::json::parse(ready_a.body).at("status").as_string(), "draining");
  EXPECT_EQ(http_call(b->port(), "GET", "/readyz").status, 200);
  // Liveness is not readiness: the process still serves.
  EXPECT_EQ(http_call(a->port(), "GET", "/healthz").status, 200);
  const auto open_ws = [&] { ws_client refused{a->port(), ws_bearer(token)}; };
  EXPECT_THROW(open_ws(), std::exception);
  EXPECT_TRUE(before.ping_pong());
  ws_client elsewhere{b->port(), ws_bearer(token)};
  EXPECT_TRUE(elsewhere.ping_pong());

  all = instances(client);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_TRUE(all.at("ops-a").at("draining").as_bool());
  EXPECT_FALSE(all.at("ops-a").at("ready").as_bool());
  EXPECT_TRUE(all.at("ops-a").at("draining_since").is_string());
  EXPECT_FALSE(all.at("ops-b").at("draining").as_bool());
  EXPECT_TRUE(all.at("ops-b").at("draining_since").is_null());
  EXPECT_EQ(boost::json::parse(client.request("gatehouse.ops.health")).at("status").is_string(),
            true);

  // Draining again says so; the time it started stays.
  const auto again = client.request("gatehouse.ops.instance.ops-a.drain", "", 5s);
  ASSERT_TRUE(again);
  const auto second = boost::json::parse(again->body).as_object();
  EXPECT_TRUE(second.at("already_draining").as_bool());
  EXPECT_EQ(second.at("draining_since"), all.at("ops-a").at("draining_since"));

  // SIGTERM still ends a drained process cleanly.
  before.close();
  a->process().signal(SIGTERM);
  EXPECT_EQ(a->process().wait_exit(30s), 0) << a->process().stderr_text();
  all = instances(client);
  EXPECT_EQ(all.size(), 1U);
  EXPECT_EQ(all.count("ops-b"), 1U);
}

TEST_F(OpsVerbsTest, DrainStopsIdlePerUserActorsAndStartsNoNewOnes) {
  auto a = start("ops-actors");
  nats_client client{nats_.url()};
  wait_ready(client, "ops-actors");
  const std::map<std::string, std::string> bearer{
      {"Authorization", "Bearer " + signed_up_token(a->port())},
      {"Content-Type", "application/json"}};
  const auto upload = [&] {
    return http_call(a->port(), "POST", "/api/v1/files/upload",
                     R"({"filename":"a.txt","content_type":"text/plain","size":10})", bearer);
  };
  // An upload starts its own per-user actor, which `instances` counts.
  const auto first = upload();
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string file_id{boost::json::parse(first.body).at("file_id").as_string()};
  const auto live = [&] {
    return instances(client).at("ops-actors").at("actors").at("upload").as_int64();
  };
  ASSERT_TRUE(eventually(10s, [&] { return live() == 1; }));

  // Idle for longer than the drain's bound: stopped at once, and said so.
  std::this_thread::sleep_for(1500ms);
  const auto reply =
      client.request("gatehouse.ops.instance.ops-actors.drain", R"({"idle_seconds":1})", 5s);
  ASSERT_TRUE(reply);
  const auto drained = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(drained.at("stopped"), boost::json::parse(R"({"upload":1})")) << reply->body;
  EXPECT_EQ(drained.at("actors").at("upload").as_int64(), 0);
  EXPECT_EQ(live(), 0);

  // The file's actor is not started again here: its next step is refused with a retry hint.
  const auto complete =
      http_call(a->port(), "POST", "/api/v1/files/" + file_id + "/complete", "{}", bearer);
  EXPECT_EQ(complete.status, 503) << complete.body;
  EXPECT_EQ(complete.headers.count("retry-after"), 1U);
  EXPECT_EQ(live(), 0);
}

TEST_F(OpsVerbsTest, MalformedRequestsGetErrorAnswersAndNothingBreaks) {
  auto a = start("ops-bad");
  nats_client client{nats_.url()};
  wait_ready(client, "ops-bad");
  const std::map<std::string, std::vector<std::string>> bad{
      {"gatehouse.ops.instance.ops-bad.drain",
       {"{not json", "[]", R"({"idle_seconds":0})", R"({"idle_seconds":"5"})",
        R"({"instance":"ops-bad"})", std::string(5000, '{')}},
      {"gatehouse.ops.dlq.replay",
       {"", "{}", "{not json", R"({"id":0})", R"({"id":"1"})", R"({"id":1,"all":true})",
        R"({"all":true,"limit":5000})", "\xff\xff", "null"}},
      {"gatehouse.ops.stripe.reconcile",
       {"{", R"({"days":0})", R"({"days":31})", R"({"days":"3"})", R"({"days":3,"x":1})"}},
  };
  for (const auto& [subject, bodies] : bad)
    for (const auto& body : bodies) {
      const auto reply = client.request(subject, body, 5s);
      ASSERT_TRUE(reply) << subject << " " << body;
      EXPECT_EQ(header(*reply, "Nats-Service-Error-Code"), "400") << subject << " " << body;
      EXPECT_FALSE(header(*reply, "Nats-Service-Error").empty());
      const auto doc = boost::json::parse(reply->body).as_object();
      EXPECT_EQ(doc.at("error").at("code").as_int64(), 400) << reply->body;
    }
  // None of them drained the instance.
  EXPECT_EQ(http_call(a->port(), "GET", "/readyz").status, 200);
  // A dead letter that does not exist, and reconcile without Stripe: errors that say why.
  const auto missing = client.request("gatehouse.ops.dlq.replay", R"({"id":999})", 5s);
  ASSERT_TRUE(missing);
  EXPECT_EQ(header(*missing, "Nats-Service-Error-Code"), "404") << missing->body;
  const auto stripe = client.request("gatehouse.ops.stripe.reconcile", R"({"days":1})", 5s);
  ASSERT_TRUE(stripe);
  EXPECT_EQ(header(*stripe, "Nats-Service-Error-Code"), "503") << stripe->body;
  EXPECT_NE(header(*stripe, "Nats-Service-Error").find("not configured"), std::string::npos);
  // The micro-service counts the errors per endpoint, and the process still answers.
  const auto stats = boost::json::parse(client.request("$SRV.STATS.gatehouse.ops-bad"));
  for (const auto& ep : stats.at("endpoints").as_array()) {
    if (ep.at("name").as_string() == "dlq_replay") {
      EXPECT_GE(ep.at("num_errors").as_int64(), 10);
    }
  }
  EXPECT_EQ(http_call(a->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(instances(client).size(), 1U);
}

TEST_F(OpsVerbsTest, DlqReplayOverNatsSendsADeadLetterBackToItsSubject) {
  auto a = start("ops-dlq");
  nats_client client{nats_.url()};
  wait_ready(client, "ops-dlq");
  client.publish("email.send", "{not json", "poison-1");
  client.publish("email.send", "{also not json", "poison-2");
  ASSERT_TRUE(eventually(30s, [&] { return client.messages("DLQ").size() == 2; }));

  // One by its DLQ sequence: it leaves the DLQ, goes back to email.send, and dies again.
  const auto one = client.request("gatehouse.ops.dlq.replay", R"({"id":1})", 10s);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->headers.count("Nats-Service-Error-Code"), 0U) << one->body;
  EXPECT_EQ(boost::json::parse(one->body).at("replayed"), boost::json::parse("[1]"));
  ASSERT_TRUE(eventually(30s, [&] {
    const auto now = client.messages("DLQ");
    return now.size() == 2 &&
           now.back().headers.at("Gatehouse-Original-Msg-Id") == "poison-1:replay:1";
  }));
  // Replaying it again: it is gone from the DLQ, so 404.
  const auto gone = client.request("gatehouse.ops.dlq.replay", R"({"id":1})", 10s);
  ASSERT_TRUE(gone);
  EXPECT_EQ(header(*gone, "Nats-Service-Error-Code"), "404");

  // All, one at a time: the oldest is replayed and more are left.
  const auto limited = client.request("gatehouse.ops.dlq.replay", R"({"all":true,"limit":1})", 10s);
  ASSERT_TRUE(limited);
  const auto report = boost::json::parse(limited->body).as_object();
  EXPECT_EQ(report.at("replayed").as_array().size(), 1U) << limited->body;
  EXPECT_TRUE(report.at("more").as_bool());
  ASSERT_TRUE(eventually(30s, [&] {
    std::set<std::string> ids;
    for (const auto& m : client.messages("DLQ"))
      ids.insert(m.headers.at("Gatehouse-Original-Msg-Id"));
    return ids == std::set<std::string>{"poison-1:replay:1", "poison-2:replay:2"};
  }));
}

} // namespace
} // namespace gh::test
