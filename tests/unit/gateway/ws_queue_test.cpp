#include "gateway/ws_queue.hpp"

#include <gtest/gtest.h>

#include <string>

using gh::ws_queue;

namespace {

gh::shared_frame f(std::string text) {
  return gh::make_frame(std::move(text));
}

} // namespace

TEST(WsQueueTest, FrameBoundCountsTheFrameInWriting) {
  ws_queue q{3, 1 << 20};
  EXPECT_TRUE(q.push(f("a")));
  EXPECT_TRUE(q.push(f("b")));
  EXPECT_TRUE(q.push(f("c")));
  EXPECT_FALSE(q.push(f("d")));
  EXPECT_EQ(q.size(), 3U);
  q.pop();
  EXPECT_EQ(q.front(), "b");
  EXPECT_TRUE(q.push(f("d")));
}

TEST(WsQueueTest, ByteBoundCountsOnlyTheFramesBehindTheFront) {
  ws_queue q{100, 10};
  // A frame larger than the bound goes out when nothing waits: it is the one being written.
  EXPECT_TRUE(q.push(f(std::string(50, 'x'))));
  EXPECT_EQ(q.bytes_behind(), 0U);
  EXPECT_TRUE(q.push(f(std::string(6, 'a'))));
  EXPECT_TRUE(q.push(f(std::string(4, 'b'))));
  EXPECT_EQ(q.bytes_behind(), 10U);
  // One more byte behind the front passes the bound; the queue is left as it was.
  EXPECT_FALSE(q.push(f("c")));
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(q.bytes_behind(), 10U);
  // The 6-byte frame moves to the front and leaves the count.
  q.pop();
  EXPECT_EQ(q.front(), std::string(6, 'a'));
  EXPECT_EQ(q.bytes_behind(), 4U);
  EXPECT_TRUE(q.push(f(std::string(6, 'c'))));
  EXPECT_FALSE(q.push(f(std::string(1, 'd'))));
}

TEST(WsQueueTest, LargeFrameBehindTheFrontIsRefused) {
  ws_queue q{100, 10};
  EXPECT_TRUE(q.push(f("front")));
  EXPECT_FALSE(q.push(f(std::string(11, 'x'))));
  EXPECT_EQ(q.size(), 1U);
}

TEST(WsQueueTest, DropsKeepTheCountTrue) {
  ws_queue q{100, 10};
  EXPECT_TRUE(q.push(f("front")));
  EXPECT_TRUE(q.push(f("12345")));
  EXPECT_TRUE(q.push(f("67890")));
  q.drop_behind_front();
  EXPECT_EQ(q.size(), 1U);
  EXPECT_EQ(q.front(), "front");
  EXPECT_EQ(q.bytes_behind(), 0U);
  EXPECT_TRUE(q.push(f("0123456789")));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes_behind(), 0U);
}

TEST(WsQueueTest, KeepsOrderAcrossPopsAndCompaction) {
  ws_queue q{64, 1 << 20};
  int next_in = 0;
  int next_out = 0;
  // Push three, pop two, many times over: the front moves on while frames wait behind it, so
  // the spent slots before it are closed up again and again.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3 && q.size() < 64; ++i)
      ASSERT_TRUE(q.push(f(std::to_string(next_in++))));
    for (int i = 0; i < 2 && !q.empty(); ++i) {
      ASSERT_EQ(q.front(), std::to_string(next_out++));
      q.pop();
    }
  }
  while (!q.empty()) {
    ASSERT_EQ(q.front(), std::to_string(next_out++));
    q.pop();
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(q.bytes_behind(), 0U);
}

TEST(WsQueueTest, AFrameIsSharedNotCopied) {
  ws_queue a{4, 1 << 20};
  ws_queue b{4, 1 << 20};
  const auto frame = f(R"({"event":"user.updated"})");
  EXPECT_TRUE(a.push(frame));
  EXPECT_TRUE(b.push(frame));
  EXPECT_EQ(&a.front(), frame.get());
  EXPECT_EQ(&b.front(), frame.get());
  EXPECT_EQ(frame.use_count(), 3);
  a.pop();
  b.clear();
  EXPECT_EQ(frame.use_count(), 1);
}
