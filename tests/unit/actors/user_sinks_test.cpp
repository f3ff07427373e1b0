#include "actors/user_sinks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace gh;

namespace {

/// A sink that keeps what it was sent, standing in for a WebSocket connection.
class recording_sink : public connection_sink {
public:
  explicit recording_sink(uint64_t id) : id_(id) {}
  uint64_t connection_id() const noexcept override { return id_; }
  void push(shared_frame frame) override {
    frames.push_back(*frame);
    last = std::move(frame);
  }
  void close(ws_close /*code*/, std::string /*reason*/) override { closed = true; }

  std::vector<std::string> frames;
  shared_frame last; ///< The frame as it was handed over.
  bool closed = false;

private:
  uint64_t id_;
};

} // namespace

TEST(UserSinksTest, PushReachesEveryConnectionOfThatUserOnly) {
  user_sinks sinks;
  auto a1 = std::make_shared<recording_sink>(1);
  auto a2 = std::make_shared<recording_sink>(2);
  auto b1 = std::make_shared<recording_sink>(3);
  sinks.attach("alice", a1);
  sinks.attach("alice", a2);
  sinks.attach("bob", b1);
  EXPECT_EQ(sinks.push("alice", R"({"event":"user.updated"})"), 2U);
  EXPECT_EQ(a1->frames.size(), 1U);
  EXPECT_EQ(a2->frames.size(), 1U);
  // One copy of the frame for all of the user's connections.
  EXPECT_EQ(a1->last.get(), a2->last.get());
  EXPECT_TRUE(b1->frames.empty());
  EXPECT_EQ(sinks.push("carol", "x"), 0U);
}

TEST(UserSinksTest, DetachAndClosedConnectionsAreForgotten) {
  user_sinks sinks;
  auto a1 = std::make_shared<recording_sink>(1);
  auto a2 = std::make_shared<recording_sink>(2);
  sinks.attach("alice", a1);
  sinks.attach("alice", a2);
  sinks.detach("alice", 1);
  EXPECT_EQ(sinks.connections("alice"), 1U);
  a2.reset(); // the connection ended without detaching
  EXPECT_EQ(sinks.push("alice", "x"), 0U);
  EXPECT_EQ(sinks.users(), 0U);
  EXPECT_TRUE(a1->frames.empty());
}

TEST(UserSinksTest, ConcurrentAttachPushDetach) {
  user_sinks sinks;
  std::atomic<bool> stop{false};
  std::thread pusher{[&] {
    while (!stop)
      sinks.push("u", "x");
  }};
  for (uint64_t i = 0; i < 2000; ++i) {
    auto s = std::make_shared<recording_sink>(i);
    sinks.attach("u", s);
    sinks.detach("u", i);
  }
  stop = true;
  pusher.join();
  EXPECT_EQ(sinks.connections("u"), 0U);
}

TEST(UserSinksTest, ReservedPlacesCountAgainstTheLimitUntilAttachedOrReleased) {
  user_sinks sinks;
  auto open = std::make_shared<recording_sink>(1);
  sinks.attach("alice", open);
  ASSERT_TRUE(sinks.reserve("alice", 3));
  ASSERT_TRUE(sinks.reserve("alice", 3));
  EXPECT_FALSE(sinks.reserve("alice", 3)); // one open + two in their handshake
  EXPECT_TRUE(sinks.reserve("bob", 3));    // another user's places are their own
  EXPECT_EQ(sinks.connections("alice"), 3U);

  auto second = std::make_shared<recording_sink>(2);
  sinks.attach("alice", second); // takes over one held place
  EXPECT_EQ(sinks.connections("alice"), 3U);
  sinks.release("alice"); // the other handshake failed
  EXPECT_EQ(sinks.connections("alice"), 2U);
  EXPECT_TRUE(sinks.reserve("alice", 3));
  sinks.release("alice");
  sinks.release("alice"); // nothing held: no underflow
  EXPECT_EQ(sinks.connections("alice"), 2U);
}

TEST(UserSinksTest, RacingReservationsNeverPassTheLimit) {
  user_sinks sinks;
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (sinks.reserve("u", 5))
          granted.fetch_add(1);
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(granted.load(), 5);
  EXPECT_EQ(sinks.connections("u"), 5U);
}
