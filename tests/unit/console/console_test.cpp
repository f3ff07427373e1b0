#include "actors/console/console.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace gh;

TEST(ConsoleTest, EchoesWellFormedObjects) {
  const std::string frame = R"({"id":7,"line":"/help"})";
  EXPECT_EQ(console_reply(frame, 1024), frame);
  EXPECT_EQ(console_reply(R"({"id":"a","cmd":"x"})", 1024), R"({"id":"a","cmd":"x"})");
}

TEST(ConsoleTest, AnswersMalformedFramesWithAProblem) {
  for (std::string_view bad :
       {"not json", "[1,2]", "{\"id\":", "{\"id\":[1]}", "\"str\"", "{\"a\":1,\"a\":2}"}) {
    auto reply = boost::json::parse(console_reply(bad, 1024)).as_object();
    EXPECT_FALSE(reply.at("ok").as_bool()) << bad;
    EXPECT_EQ(reply.at("error").as_object().at("type").as_string(),
              "https://gatehouse.dev/problems/validation")
        << bad;
    EXPECT_EQ(reply.at("error").as_object().at("status").as_int64(), 400);
  }
}

TEST(ConsoleTest, RefusesOversizedFrames) {
  auto reply = boost::json::parse(console_reply("{\"x\":\"" + std::string(100, 'a') + "\"}", 50));
  EXPECT_FALSE(reply.as_object().at("ok").as_bool());
}
