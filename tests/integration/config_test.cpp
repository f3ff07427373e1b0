// The binary's start-up: configuration errors all at once with exit 2 and no secret in sight,
// `check-config`, and `migrate` applying the embedded migrations idempotently.

#include "tests/support/process.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

using namespace gh::test;
using namespace std::chrono_literals;

namespace {

struct run_result {
  int code = -1;
  std::string err;
  std::string out;
};

run_result run(std::vector<std::string> args, const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), required_env("GATEHOUSE_BIN"));
  child_process p{args, env};
  run_result r;
  r.out = p.wait_for_line("", 30s).value_or("");
  r.code = p.wait_exit(60s).value_or(-1);
  r.err = p.stderr_text();
  return r;
}

} // namespace

TEST(ConfigTest, ReportsEveryProblemAndExits2WithoutSecrets) {
  auto r = run({"serve"}, {{"DATABASE_URL", ""},
                           {"REDIS_URL", "redis://:TopSecretRedisPw@127.0.0.1:1/77"},
                           {"NATS_URL", "http://nope"},
                           {"GATEHOUSE_LISTEN", "nonsense"},
                           {"STRIPE_SECRET_KEY", "pk_TopSecretKey"}});
  EXPECT_EQ(r.code, 2);
  for (auto name :
       {"DATABASE_URL", "REDIS_URL", "NATS_URL", "GATEHOUSE_LISTEN", "STRIPE_SECRET_KEY"})
    EXPECT_NE(r.err.find(name), std::string::npos) << name << "\n" << r.err;
  EXPECT_EQ(r.err.find("TopSecret"), std::string::npos) << r.err;
}

TEST(ConfigTest, ProductionRefusesDevelopmentSettings) {
  auto r = run({"check-config"}, {{"GATEHOUSE_ENV", "production"}});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("GATEHOUSE_PUBLIC_URL"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("JWT_SIGNING_KEY_FILE"), std::string::npos) << r.err;
}

TEST(ConfigTest, CheckConfigAcceptsTheRunEnvironment) {
  auto r = run({"check-config"}, {});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST(ConfigTest, UnknownCommandIsRefused) {
  auto r = run({"frobnicate"}, {});
  EXPECT_EQ(r.code, 2);
}

TEST(ConfigTest, MigrateIsIdempotent) {
  auto first = run({"migrate"}, {});
  ASSERT_EQ(first.code, 0) << first.err;
  auto second = run({"migrate"}, {});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("\"applied\":0"), std::string::npos) << second.err;

  pqxx::connection conn{required_env("DATABASE_URL")};
  pqxx::work tx{conn};
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_version WHERE version = 1")[0].as<int>(), 1);
  EXPECT_EQ(
      tx.exec1("SELECT name FROM tenants WHERE id = '00000000-0000-0000-0000-000000000001'")[0]
          .as<std::string>(),
      "default");
}
