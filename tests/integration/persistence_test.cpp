// The persistence clients against the run's real PostgreSQL, Redis and NATS.

#include "messages/gh_errc.hpp"
#include "persistence/jetstream/nats_bus.hpp"
#include "persistence/postgres/migrations.hpp"
#include "persistence/postgres/pg_database.hpp"
#include "persistence/postgres/pg_pool.hpp"
#include "persistence/redis/redis_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <filesystem>
#include <future>
#include <thread>

using namespace gh;
using namespace gh::test;
using namespace std::chrono_literals;

namespace {

caf::actor_system_config& quiet(caf::actor_system_config& cfg) {
  cfg.set("logger.console", caf::atom("none"));
  cfg.set("scheduler.max-threads", size_t{2});
  return cfg;
}

} // namespace

TEST(MigrationsTest, AppliesOnceAndRefusesEditedHistory) {
  scratch_database db;
  pqxx::connection conn{db.url()};
  const auto& all = pg::embedded_migrations();
  ASSERT_FALSE(all.empty());

  auto first = pg::apply_migrations(conn, all);
  EXPECT_EQ(first.applied.size(), all.size());
  auto second = pg::apply_migrations(conn, all);
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(second.already_applied, all.size());

  auto edited = all;
  edited.front().sql += "\n-- edited";
  EXPECT_THROW(pg::apply_migrations(conn, edited), std::runtime_error);

  std::vector<pg::migration> misnamed{{"initial.sql", "SELECT 1"}};
  EXPECT_THROW(pg::apply_migrations(conn, misnamed), std::runtime_error);

  pqxx::work tx{conn};
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_version")[0].as<size_t>(), all.size());
  // The outbox is ready for the relay: ordered, unpublished rows are indexed.
  tx.exec0("INSERT INTO outbox (id, subject, tenant_id, payload) VALUES "
           "(gen_random_uuid(), 'user.created', '00000000-0000-0000-0000-000000000001', '{}')");
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].as<int>(), 1);
}

TEST(MigrationsTest, ConcurrentAppliersApplyEachMigrationOnce) {
  scratch_database db;
  std::vector<std::future<size_t>> runs;
  for (int i = 0; i < 4; ++i)
    runs.push_back(std::async(std::launch::async, [&] {
      pqxx::connection conn{db.url()};
      return pg::apply_migrations(conn, pg::embedded_migrations()).applied.size();
    }));
  size_t applied = 0;
  for (auto& r : runs)
    applied += r.get();
  EXPECT_EQ(applied, pg::embedded_migrations().size());
}

TEST(PgPoolTest, RunsQueriesOffTheCallerAndReportsHealth) {
  caf::actor_system_config cfg;
  caf::actor_system sys{quiet(cfg)};
  dependency_health health;
  {
    pg::pool pool{sys, config::secret{required_env("DATABASE_URL")}, {2, 5s, 100ms}, health};
    std::promise<caf::expected<int>> answer;
    auto caller = sys.spawn(
        [&](caf::event_based_actor* self, pg::pool* p) {
          p->query<int>(
              self, 5s,
              [](pqxx::connection& c) {
                pqxx::work tx{c};
                return tx.exec1("SELECT 40 + 2")[0].as<int>();
              },
              [&](caf::expected<int> r) { answer.set_value(std::move(r)); });
        },
        &pool);
    auto result = answer.get_future().get();
    ASSERT_TRUE(result) << sys.render(result.error());
    EXPECT_EQ(*result, 42);
    EXPECT_TRUE(eventually(10s, [&] { return health.up(dependency::postgres); }));

    std::promise<caf::expected<int>> failed;
    auto caller2 = sys.spawn(
        [&](caf::event_based_actor* self, pg::pool* p) {
          p->query<int>(
              self, 5s,
              [](pqxx::connection& c) {
                pqxx::work tx{c};
                return tx.exec1("SELECT * FROM no_such_table")[0].as<int>();
              },
              [&](caf::expected<int> r) { failed.set_value(std::move(r)); });
        },
        &pool);
    auto bad = failed.get_future().get();
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), make_error(gh_errc::internal));
    pool.stop();
  }
}

TEST(WorkTransactionTest, PreparesEachStatementOnceOnEveryConnectionAndBoundsHowMany) {
  const auto url = required_env("DATABASE_URL");
  pqxx::connection first{url};
  pqxx::connection second{url};
  pg::prepare_session(first);
  pg::prepare_session(second);
  const std::string add = "SELECT $1::int + 1, $2::text IS NULL";
  const auto prepared = [](pg::work_transaction& t, const std::string& sql) {
    return db::text(
        t.exec("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", {sql})[0], 0);
  };
  {
    pqxx::work tx{first};
    pg::work_transaction t{tx};
    for (int i = 0; i < 3; ++i) {
      const auto rows = t.exec(add, {std::to_string(i), std::nullopt});
      ASSERT_EQ(rows.size(), 1U);
      EXPECT_EQ(db::text(rows[0], 0), std::to_string(i + 1));
      EXPECT_EQ(db::text(rows[0], 1), "t");
    }
    EXPECT_EQ(prepared(t, add), "1");
    EXPECT_EQ(db::text(t.exec("SELECT current_setting('plan_cache_mode')")[0], 0),
              "force_custom_plan");
    tx.commit();
  }
  // One thread, two connections, in turns: each prepares what it runs, under the same names.
  const std::string other = "SELECT $1::text || '!'";
  {
    pqxx::work tx{second};
    pg::work_transaction t{tx};
    EXPECT_EQ(db::text(t.exec(other, {"b"})[0], 0), "b!");
    EXPECT_EQ(db::text(t.exec(add, {"41", "x"})[0], 0), "42");
    EXPECT_EQ(prepared(t, add), "1");
    EXPECT_EQ(prepared(t, other), "1");
    tx.commit();
  }
  {
    pqxx::work tx{first};
    pg::work_transaction t{tx};
    EXPECT_EQ(db::text(t.exec(other, {"a"})[0], 0), "a!");
    EXPECT_EQ(db::text(t.exec(add, {"1", "x"})[0], 1), "f");
    // Past the bound, statements still run, unprepared.
    const auto distinct = [](std::size_t i) {
      return "SELECT " + std::to_string(i) + " + $1::int";
    };
    for (std::size_t i = 0; i < pg::max_prepared_statements + 20; ++i)
      ASSERT_EQ(db::text(t.exec(distinct(i), {"1"})[0], 0), std::to_string(i + 1)) << i;
    EXPECT_EQ(prepared(t, distinct(0)), "1");
    EXPECT_EQ(prepared(t, distinct(pg::max_prepared_statements + 19)), "0");
    const auto total =
        std::stoul(db::text(t.exec("SELECT count(*) FROM pg_prepared_statements")[0], 0));
    EXPECT_LE(total, pg::max_prepared_statements);
    tx.commit();
  }
}

TEST(PgPoolTest, UnreachableServerIsProviderUnavailable) {
  caf::actor_system_config cfg;
  caf::actor_system sys{quiet(cfg)};
  dependency_health health;
  health.set(dependency::postgres, true);
  const auto url =
      "postgresql://nobody:pw@127.0.0.1:" + std::to_string(free_port()) + "/none?connect_timeout=2";
  pg::pool pool{sys, config::secret{url}, {1, 5s, 100ms}, health};
  std::promise<caf::expected<int>> answer;
  auto caller = sys.spawn(
      [&](caf::event_based_actor* self, pg::pool* p) {
        p->query<int>(
            self, 10s, [](pqxx::connection&) { return 1; },
            [&](caf::expected<int> r) { answer.set_value(std::move(r)); });
      },
      &pool);
  auto result = answer.get_future().get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), make_error(gh_errc::provider_unavailable));
  EXPECT_TRUE(eventually(10s, [&] { return !health.up(dependency::postgres); }));
  pool.stop();
}

TEST(RedisClientTest, CommandsPipelinesAndReconnects) {
  redis_server server;
  config::redis_endpoint endpoint{"127.0.0.1", server.port(), 0, {}};
  redis::client client{endpoint, 1000ms};
  auto set = client.run({"SET", "gh:key", std::string{"bin\0ary", 7}, "EX", "60"});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->str, "OK");
  auto get = client.run({"GET", "gh:key"});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->str, std::string("bin\0ary", 7));
  auto many = client.pipeline(
      {{"INCR", "gh:n"}, {"INCR", "gh:n"}, {"GET", "gh:missing"}, {"NOSUCHCOMMAND"}});
  ASSERT_TRUE(many);
  ASSERT_EQ(many->size(), 4U);
  EXPECT_EQ((*many)[1].integer, 2);
  EXPECT_EQ((*many)[2].type, redis::reply::kind::nil);
  EXPECT_EQ((*many)[3].type, redis::reply::kind::error);

  server.stop();
  EXPECT_FALSE(client.run({"PING"}));
  EXPECT_FALSE(client.connected());
  server.start();
  auto back = client.run({"PING"});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->str, "PONG");
}

TEST(RedisClientTest, ActorReportsHealth) {
  redis_server server;
  caf::actor_system_config cfg;
  caf::actor_system sys{quiet(cfg)};
  dependency_health health;
  auto actor = redis::spawn_redis_actor(sys, {"127.0.0.1", server.port(), 0, {}}, health, 100ms);
  EXPECT_TRUE(eventually(10s, [&] { return health.up(dependency::redis); }));
  server.stop();
  EXPECT_TRUE(eventually(10s, [&] { return !health.up(dependency::redis); }));
  server.start();
  EXPECT_TRUE(eventually(10s, [&] { return health.up(dependency::redis); }));
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

TEST(NatsBusTest, EnsuresStreamsIdempotently) {
  dependency_health health;
  nats::bus first{config::secret{required_env("NATS_URL")}, "gatehouse-test-a", health};
  ASSERT_TRUE(first.start());
  EXPECT_TRUE(eventually(10s, [&] { return health.up(dependency::nats); }));

  dependency_health health2;
  nats::bus second{config::secret{required_env("NATS_URL")}, "gatehouse-test-b", health2};
  ASSERT_TRUE(second.start());
  EXPECT_TRUE(eventually(10s, [&] { return health2.up(dependency::nats); }));

  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_JetStream(&js, first.connection(), nullptr), NATS_OK);
  for (const auto& spec : nats::gatehouse_streams()) {
    jsStreamInfo* info = nullptr;
    ASSERT_EQ(js_GetStreamInfo(&info, js, spec.name.c_str(), nullptr, nullptr), NATS_OK)
        << spec.name;
    EXPECT_EQ(info->Config->SubjectsLen, static_cast<int>(spec.subjects.size()));
    EXPECT_EQ(info->Config->Storage, js_FileStorage);
    EXPECT_GT(info->Config->Duplicates, 0);
    jsStreamInfo_Destroy(info);
  }
  jsCtx_Destroy(js);
  second.close();
  first.close();
  EXPECT_FALSE(health.up(dependency::nats));
}

TEST(NatsBusTest, StartsWhileNatsIsDownAndConnectsLater) {
  const auto port = free_port();
  dependency_health health;
  nats::bus bus{config::secret{"nats://127.0.0.1:" + std::to_string(port)}, "gatehouse-test-c",
                health};
  ASSERT_TRUE(bus.start());
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(health.up(dependency::nats));
  char dir[] = "/tmp/gatehouse-nats.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  child_process server{
      {"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port), "-js", "-sd", dir}, {}};
  EXPECT_TRUE(eventually(20s, [&] { return health.up(dependency::nats); }));
  bus.close();
  server.signal(SIGTERM);
  server.wait_exit(10s);
  std::filesystem::remove_all(dir);
}
