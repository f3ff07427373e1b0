#include "config/loader.hpp"
#include "tests/unit/config/load_env.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

using namespace gh::config;

using namespace gh::config::test;

TEST(UpstreamsTest, NoneByDefault) {
  auto r = load({});
  ASSERT_TRUE(std::holds_alternative<settings>(r));
  EXPECT_TRUE(std::get<settings>(r).upstreams.empty());
}

TEST(UpstreamsTest, DefaultsPerContract) {
  auto r = load({{"GATEHOUSE_UPSTREAMS", "generation"},
                 {"UPSTREAM_GENERATION_PREFIX", "/api/v1/generation"},
                 {"UPSTREAM_GENERATION_URL", "http://gen.internal:9000/base/"}});
  ASSERT_TRUE(std::holds_alternative<settings>(r)) << failing(r).size();
  const auto& u = std::get<settings>(r).upstreams.at(0);
  EXPECT_EQ(u.name, "generation");
  EXPECT_EQ(u.prefix, "/api/v1/generation");
  EXPECT_EQ(u.host, "gen.internal");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.base_path, "/base");
  EXPECT_EQ(u.auth, upstream_auth::user);
  EXPECT_EQ(u.timeout, std::chrono::seconds{30});
  EXPECT_EQ(u.body_limit, std::size_t{100} * 1024 * 1024);
  EXPECT_EQ(u.rate, 0U);
  EXPECT_FALSE(u.inject_user_id);
}

TEST(UpstreamsTest, ReadsEverySetting) {
  auto r = load({{"GATEHOUSE_UPSTREAMS", "rag, gen"},
                 {"UPSTREAM_RAG_PREFIX", "/api/v1/rag"},
                 {"UPSTREAM_RAG_URL", "http://127.0.0.1:7000"},
                 {"UPSTREAM_RAG_AUTH", "optional"},
                 {"UPSTREAM_RAG_TIMEOUT", "5s"},
                 {"UPSTREAM_RAG_BODY_LIMIT", "1024"},
                 {"UPSTREAM_RAG_RATE", "10"},
                 {"UPSTREAM_RAG_INJECT_USER_ID", "true"},
                 {"UPSTREAM_GEN_PREFIX", "/api/v1/gen"},
                 {"UPSTREAM_GEN_URL", "http://[::1]:81"},
                 {"UPSTREAM_GEN_AUTH", "none"}});
  ASSERT_TRUE(std::holds_alternative<settings>(r));
  const auto& list = std::get<settings>(r).upstreams;
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].auth, upstream_auth::optional);
  EXPECT_EQ(list[0].timeout, std::chrono::seconds{5});
  EXPECT_EQ(list[0].body_limit, 1024U);
  EXPECT_EQ(list[0].rate, 10U);
  EXPECT_TRUE(list[0].inject_user_id);
  EXPECT_EQ(list[0].port, 7000);
  EXPECT_EQ(list[1].host, "::1");
  EXPECT_EQ(list[1].auth, upstream_auth::none);
}

TEST(UpstreamsTest, EveryProblemAtOnce) {
  auto errors = failing(load({{"GATEHOUSE_UPSTREAMS", "a,b,bad-name,c"},
                              {"UPSTREAM_A_PREFIX", "api/v1/a"},
                              {"UPSTREAM_A_URL", "https://a.internal"},
                              {"UPSTREAM_A_AUTH", "maybe"},
                              {"UPSTREAM_B_PREFIX", "/api/v1/b/../c"},
                              {"UPSTREAM_B_URL", "http://b?x=1"},
                              {"UPSTREAM_B_TIMEOUT", "soon"},
                              {"UPSTREAM_C_PREFIX", "/api/v1/c"}}));
  for (const char* name :
       {"UPSTREAM_A_PREFIX", "UPSTREAM_A_URL", "UPSTREAM_A_AUTH", "UPSTREAM_B_PREFIX",
        "UPSTREAM_B_URL", "UPSTREAM_B_TIMEOUT", "GATEHOUSE_UPSTREAMS", "UPSTREAM_C_URL"})
    EXPECT_NE(std::find(errors.begin(), errors.end(), name), errors.end()) << name;
}

TEST(UpstreamsTest, RefusesOverlapsAndDuplicates) {
  auto errors = failing(load({{"GATEHOUSE_UPSTREAMS", "a,b,A"},
                              {"UPSTREAM_A_PREFIX", "/api/v1/a"},
                              {"UPSTREAM_A_URL", "http://a"},
                              {"UPSTREAM_B_PREFIX", "/api/v1/a/b"},
                              {"UPSTREAM_B_URL", "http://b"}}));
  EXPECT_NE(std::find(errors.begin(), errors.end(), "UPSTREAM_B_PREFIX"), errors.end());
  EXPECT_NE(std::find(errors.begin(), errors.end(), "GATEHOUSE_UPSTREAMS"), errors.end());
}

TEST(UpstreamsTest, InjectionNeedsAUser) {
  auto errors = failing(load({{"GATEHOUSE_UPSTREAMS", "a"},
                              {"UPSTREAM_A_PREFIX", "/api/v1/a"},
                              {"UPSTREAM_A_URL", "http://a"},
                              {"UPSTREAM_A_AUTH", "none"},
                              {"UPSTREAM_A_INJECT_USER_ID", "true"}}));
  EXPECT_NE(std::find(errors.begin(), errors.end(), "UPSTREAM_A_INJECT_USER_ID"), errors.end());
}
