#include "actors/profile_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace gh;
using namespace std::chrono_literals;

namespace {

const profile_cache::clock::time_point t0{std::chrono::seconds{1000}};

} // namespace

TEST(ProfileCacheTest, AFreshBodyIsServedAndAMissingOneIsNot) {
  profile_cache cache;
  EXPECT_FALSE(cache.serve("u1", t0, 1s));
  cache.put("u1", R"({"id":"u1"})", t0 + 2s);
  EXPECT_EQ(cache.serve("u1", t0 + 1s, 1s), R"({"id":"u1"})");
  EXPECT_EQ(cache.find("u1", t0 + 1s), R"({"id":"u1"})");
  EXPECT_FALSE(cache.serve("u2", t0, 1s)) << "another user's entry is not this one's";
  cache.erase("u1");
  EXPECT_FALSE(cache.serve("u1", t0 + 1s, 1s));
}

TEST(ProfileCacheTest, OneRequestRefreshesAnExpiredBodyWhileTheOthersKeepIt) {
  profile_cache cache;
  cache.put("u1", "old", t0 + 2s);
  EXPECT_FALSE(cache.find("u1", t0 + 2s)) << "the actor's own read never takes an expired body";
  EXPECT_FALSE(cache.serve("u1", t0 + 2s, 1s)) << "the first after the deadline refreshes";
  EXPECT_EQ(cache.serve("u1", t0 + 2s + 10ms, 1s), "old");
  EXPECT_EQ(cache.serve("u1", t0 + 2s + 999ms, 1s), "old");
  EXPECT_FALSE(cache.serve("u1", t0 + 3s, 1s)) << "past the grace nobody keeps it";
  EXPECT_FALSE(cache.serve("u1", t0 + 3s + 1ms, 1s));

  cache.put("u1", "new", t0 + 5s);
  EXPECT_EQ(cache.serve("u1", t0 + 4s, 1s), "new");
  EXPECT_FALSE(cache.serve("u1", t0 + 5s, 1s)) << "the put ended the refresh: the next one claims";
  EXPECT_EQ(cache.serve("u1", t0 + 5s, 1s), "new");
}

TEST(ProfileCacheTest, AReadThatAChangeOvertookIsNotKept) {
  profile_cache cache;
  // A read, then a change (PATCH: drop, then the new profile), then the read's old body.
  auto ticket = cache.read_ticket("u1");
  cache.erase("u1");
  cache.put("u1", "new", t0 + 2s);
  cache.put_read("u1", "old", t0 + 2s, ticket);
  EXPECT_EQ(cache.find("u1", t0), "new");

  // The change dropped the entry before the read began, and wrote it while the read ran.
  cache.erase("u1");
  ticket = cache.read_ticket("u1");
  cache.put("u1", "newer", t0 + 2s);
  cache.put_read("u1", "new", t0 + 2s, ticket);
  EXPECT_EQ(cache.find("u1", t0), "newer");

  // Dropped while the read ran (a deletion): nothing is put back.
  ticket = cache.read_ticket("u1");
  cache.erase("u1");
  cache.put_read("u1", "newer", t0 + 2s, ticket);
  EXPECT_FALSE(cache.find("u1", t0));

  // Nothing changed meanwhile: the read is kept.
  ticket = cache.read_ticket("u1");
  cache.put_read("u1", "current", t0 + 2s, ticket);
  EXPECT_EQ(cache.find("u1", t0), "current");
}

TEST(ProfileCacheTest, ExactlyOneOfManyConcurrentReadersRefreshes) {
  profile_cache cache;
  for (int round = 0; round < 50; ++round) {
    const auto deadline = t0 + std::chrono::seconds{round};
    cache.put("u1", "body", deadline);
    std::atomic<int> refreshers{0};
    std::atomic<int> kept{0};
    std::vector<std::jthread> readers;
    readers.reserve(8);
    for (int i = 0; i < 8; ++i)
      readers.emplace_back([&] {
        for (int n = 0; n < 100; ++n) {
          if (auto body = cache.serve("u1", deadline + 1ms, 1s)) {
            EXPECT_EQ(*body, "body");
            ++kept;
          } else {
            ++refreshers;
          }
        }
      });
    readers.clear();
    EXPECT_EQ(refreshers.load(), 1) << "round " << round;
    EXPECT_EQ(kept.load(), 799) << "round " << round;
  }
}
