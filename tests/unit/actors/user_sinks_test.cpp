#include "actors/user_sinks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace gh;

namespace {

/// A sink that keeps what it was sent, standing in for a WebSocket connection.
class recording_sink : public connection_sink {
public:
  explicit recording_sink(uint64_t id) : id_(id) {}
  uint64_t connection_id() const noexcept override { return id_; }
  void push(std::string frame) override { frames.push_back(std::move(frame)); }
  void close(ws_close, std::string) override { closed = true; }

  std::vector<std::string> frames;
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
