// The project's own fault storm (issue 19): two Gatehouse processes on one PostgreSQL, Redis and
// NATS, registrations and signed Stripe webhooks 16 in flight, and every 10-20 s a SIGKILL of
// PostgreSQL, Redis, nats-server or a Gatehouse, started again 0.5-3 s later. Afterwards every
// flow is counted at every stage (acknowledged, stored, published, mailed, applied); any loss or
// double application fails the test. `ctest -L chaos` runs the short version (75 s, and 38 s
// through the .eml writer; seed 19); `bench/chaos.sh [SECONDS]` the long one. GH_CHAOS_SECONDS,
// GH_CHAOS_SEED and GH_CHAOS_FAULTS=0 (the same load without faults) change it.

#include "tests/chaos/storm.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace gh::chaos {
namespace {

uint64_t from_env(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoull(v) : fallback;
}

storm_options options(bool smtp) {
  storm_options o;
  o.smtp = smtp;
  // The `.eml` variant runs half as long: it repeats the storm for the other mail path.
  const auto seconds = from_env("GH_CHAOS_SECONDS", 75);
  o.duration = std::chrono::seconds{smtp ? seconds : (seconds + 1) / 2};
  // Its own seed, so the two variants meet different faults.
  o.seed = from_env("GH_CHAOS_SEED", 19) + (smtp ? 0 : 1);
  o.faults = from_env("GH_CHAOS_FAULTS", 1) != 0;
  return o;
}

void expect_sound(const storm_report& report, const storm_options& o) {
  std::cout << "\n## " << (o.faults ? "Chaos storm" : "Calm reference (no faults)") << ": "
            << (o.smtp ? "SMTP sink" : ".eml writer") << ", " << o.duration.count() << " s, seed "
            << o.seed << "\n\n"
            << report.table() << std::endl;
  EXPECT_TRUE(report.failures.empty()) << report.table();
  // The storm did storm: faults happened and both flows carried traffic through them.
  if (o.faults) {
    EXPECT_GE(report.faults.size(), static_cast<std::size_t>(o.duration.count() / 20));
  }
  std::size_t stored_users = 0;
  std::size_t applied = 0;
  for (const auto& r : report.rows) {
    if (r.flow == "registration" && r.stage == "stored (users rows)")
      stored_users = r.count;
    if (r.flow == "stripe webhook" && r.stage == "applied (subscriptions rows)")
      applied = r.count;
  }
  EXPECT_GT(stored_users, 4U);
  EXPECT_GT(applied, 0U);
}

TEST(ChaosTest, StormThroughTheSmtpSinkLosesNothingAndAppliesNothingTwice) {
  const auto o = options(true);
  expect_sound(run_storm(o), o);
}

TEST(ChaosTest, StormThroughTheEmlWriterLosesNothingAndAppliesNothingTwice) {
  const auto o = options(false);
  expect_sound(run_storm(o), o);
}

} // namespace
} // namespace gh::chaos
