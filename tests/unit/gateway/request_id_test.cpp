#include "gateway/request_id.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace gh;

TEST(RequestIdTest, EchoesOnlySaneIds) {
  EXPECT_TRUE(is_sane_request_id("abc-123"));
  EXPECT_TRUE(is_sane_request_id("0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"));
  EXPECT_TRUE(is_sane_request_id("trace:span.1_x"));
  EXPECT_FALSE(is_sane_request_id(""));
  EXPECT_FALSE(is_sane_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_sane_request_id("a b"));
  EXPECT_FALSE(is_sane_request_id("a\r\nSet-Cookie: x"));
  EXPECT_FALSE(is_sane_request_id("<script>"));
  EXPECT_FALSE(is_sane_request_id("\"quoted\""));
}

TEST(RequestIdTest, GeneratesUniqueHexIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    auto id = new_request_id();
    ASSERT_EQ(id.size(), 32U);
    ASSERT_TRUE(is_sane_request_id(id));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10000U);
}
