#include "actors/ops/instance_verbs.hpp"
#include "actors/ops/ops.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <chrono>

using namespace gh;

namespace {

void set_all_up(dependency_health& h) {
  for (auto d : all_dependencies)
    h.set(d, true);
}

} // namespace

TEST(OpsTest, ReadinessSaysDrainingAndIsNotReadyWhileDraining) {
  dependency_health health;
  set_all_up(health);
  drain_state drain;
  EXPECT_TRUE(ready(health, &drain));
  EXPECT_EQ(boost::json::parse(readiness_json(health, &drain)).at("status").as_string(), "ok");
  EXPECT_TRUE(drain.begin(std::chrono::system_clock::now()));
  EXPECT_FALSE(drain.begin(std::chrono::system_clock::now()));
  EXPECT_FALSE(ready(health, &drain));
  const auto doc = boost::json::parse(readiness_json(health, &drain));
  EXPECT_EQ(doc.at("status").as_string(), "draining");
  EXPECT_EQ(doc.at("postgres").as_string(), "ok");
}

TEST(OpsTest, InstanceJsonNamesTheInstanceItsActorsAndItsDrain) {
  dependency_health health;
  set_all_up(health);
  metrics stats;
  stats.set_actor_count("checkout_flow", 3);
  stats.set_actor_count("telegram_session", 0);
  stats.websockets_open = 2;
  drain_state drain;
  const instance_view view{"inst-a", "0.1.0", "2026-12-06T18:00:00Z", &health, &stats, &drain};
  auto doc = boost::json::parse(instance_json(view)).as_object();
  EXPECT_EQ(doc.at("instance").as_string(), "inst-a");
  EXPECT_EQ(doc.at("version").as_string(), "0.1.0");
  EXPECT_EQ(doc.at("started").as_string(), "2026-12-06T18:00:00Z");
  EXPECT_TRUE(doc.at("ready").as_bool());
  EXPECT_FALSE(doc.at("draining").as_bool());
  EXPECT_TRUE(doc.at("draining_since").is_null());
  EXPECT_EQ(doc.at("actors").at("checkout_flow").as_int64(), 3);
  EXPECT_EQ(doc.at("actors").at("telegram_session").as_int64(), 0);
  EXPECT_EQ(doc.at("websockets").as_int64(), 2);

  drain.begin(std::chrono::system_clock::time_point{std::chrono::seconds{1800000000}});
  doc = boost::json::parse(instance_json(view)).as_object();
  EXPECT_TRUE(doc.at("draining").as_bool());
  EXPECT_FALSE(doc.at("ready").as_bool());
  EXPECT_EQ(doc.at("draining_since").as_string(), "2027-01-15T08:00:00Z");
}

TEST(OpsTest, TheDrainSubjectNamesTheInstance) {
  EXPECT_EQ(ops::drain_subject("gh-1"), "gatehouse.ops.instance.gh-1.drain");
}
