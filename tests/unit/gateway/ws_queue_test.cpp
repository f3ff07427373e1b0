#include "gateway/ws_queue.hpp"

#include <gtest/gtest.h>

#include <string>

using gh::ws_queue;

TEST(WsQueueTest, FrameBoundCountsTheFrameInWriting) {
  ws_queue q{3, 1 << 20};
  EXPECT_TRUE(q.push("a"));
  EXPECT_TRUE(q.push("b"));
  EXPECT_TRUE(q.push("c"));
  EXPECT_FALSE(q.push("d"));
  EXPECT_EQ(q.size(), 3U);
  q.pop();
  EXPECT_EQ(q.front(), "b");
  EXPECT_TRUE(q.push("d"));
}

TEST(WsQueueTest, ByteBoundCountsOnlyTheFramesBehindTheFront) {
  ws_queue q{100, 10};
  // A frame larger than the bound goes out when nothing waits: it is the one being written.
  EXPECT_TRUE(q.push(std::string(50, 'x')));
  EXPECT_EQ(q.bytes_behind(), 0U);
  EXPECT_TRUE(q.push(std::string(6, 'a')));
  EXPECT_TRUE(q.push(std::string(4, 'b')));
  EXPECT_EQ(q.bytes_behind(), 10U);
  // One more byte behind the front passes the bound; the queue is left as it was.
  EXPECT_FALSE(q.push("c"));
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(q.bytes_behind(), 10U);
  // The 6-byte frame moves to the front and leaves the count.
  q.pop();
  EXPECT_EQ(q.front(), std::string(6, 'a'));
  EXPECT_EQ(q.bytes_behind(), 4U);
  EXPECT_TRUE(q.push(std::string(6, 'c')));
  EXPECT_FALSE(q.push(std::string(1, 'd')));
}

TEST(WsQueueTest, LargeFrameBehindTheFrontIsRefused) {
  ws_queue q{100, 10};
  EXPECT_TRUE(q.push("front"));
  EXPECT_FALSE(q.push(std::string(11, 'x')));
  EXPECT_EQ(q.size(), 1U);
}

TEST(WsQueueTest, DropsKeepTheCountTrue) {
  ws_queue q{100, 10};
  EXPECT_TRUE(q.push("front"));
  EXPECT_TRUE(q.push("12345"));
  EXPECT_TRUE(q.push("67890"));
  q.drop_behind_front();
  EXPECT_EQ(q.size(), 1U);
  EXPECT_EQ(q.front(), "front");
  EXPECT_EQ(q.bytes_behind(), 0U);
  EXPECT_TRUE(q.push("0123456789"));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes_behind(), 0U);
}
