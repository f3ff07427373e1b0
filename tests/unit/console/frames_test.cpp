#include "actors/console/frames.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace gh;
using namespace gh::console;

namespace {

console_request decoded(std::string_view frame) {
  auto d = decode_frame(frame);
  if (auto* failed = std::get_if<frame_failure>(&d)) {
    ADD_FAILURE() << frame << ": " << failed->why.detail;
    return {};
  }
  return std::get<console_request>(d);
}

frame_failure failure(std::string_view frame, std::size_t limit = frame_limit) {
  auto d = decode_frame(frame, limit);
  if (auto* failed = std::get_if<frame_failure>(&d))
    return *failed;
  ADD_FAILURE() << frame << " was accepted";
  return {};
}

} // namespace

TEST(FramesTest, DecodesLinesAndCalls) {
  auto line = decoded(R"({"id":7,"line":"/tg chats"})");
  EXPECT_TRUE(line.typed);
  EXPECT_EQ(line.line, "/tg chats");
  EXPECT_EQ(line.id.as_int64(), 7);

  auto call = decoded(R"({"id":"a-1","cmd":"tg.chats","args":{"n":5}})");
  EXPECT_FALSE(call.typed);
  EXPECT_EQ(call.cmd, "tg.chats");
  EXPECT_EQ(call.args.at("n").as_int64(), 5);
  EXPECT_EQ(call.id.as_string(), "a-1");

  auto bare = decoded(R"({"cmd":"me"})");
  EXPECT_TRUE(bare.id.is_null());
  EXPECT_TRUE(bare.args.empty());
  EXPECT_TRUE(decoded(R"({"id":null,"cmd":"me","args":null})").args.empty());
}

TEST(FramesTest, AFrameThatIsNoObjectGetsANullIdAndAValidationProblem) {
  for (std::string_view bad : {"not json", "[1,2]", "\"str\"", "42", "null", "{\"id\":", ""}) {
    auto f = failure(bad);
    EXPECT_TRUE(f.id.is_null()) << bad;
    EXPECT_EQ(f.why.status, 400) << bad;
    EXPECT_EQ(f.why.slug, "validation") << bad;
  }
}

TEST(FramesTest, KeepsAWellFormedIdWhenTheRestIsWrong) {
  EXPECT_EQ(failure(R"({"id":3,"line":5})").id.as_int64(), 3);
  EXPECT_EQ(failure(R"({"id":3,"line":"/me","cmd":"me"})").id.as_int64(), 3);
  EXPECT_EQ(failure(R"({"id":3})").id.as_int64(), 3);
  EXPECT_EQ(failure(R"({"id":"x","cmd":"me","args":[1]})").id.as_string(), "x");
  EXPECT_EQ(failure(R"({"id":"x","line":"/me","args":{}})").id.as_string(), "x");
  EXPECT_EQ(failure(R"({"id":"x","cmd":""})").id.as_string(), "x");
  EXPECT_EQ(failure(R"({"id":"x","cmd":"me","extra":1})").why.errors.at(0).field, "extra");
  // An unusable id is not echoed.
  EXPECT_TRUE(failure(R"({"id":[1],"cmd":"me"})").id.is_null());
  EXPECT_TRUE(failure(R"({"id":1.5,"cmd":"me"})").id.is_null());
  EXPECT_TRUE(failure(R"({"id":")" + std::string(129, 'a') + R"(","cmd":"me"})").id.is_null());
  // Repeated names are refused rather than guessed at.
  EXPECT_TRUE(failure(R"({"id":1,"id":2,"cmd":"me"})").id.is_null());
}

TEST(FramesTest, RefusesOversizedFramesWith413) {
  const std::string big = R"({"line":")" + std::string(200, 'a') + R"("})";
  auto f = failure(big, 100);
  EXPECT_EQ(f.why.status, 413);
  EXPECT_EQ(f.why.slug, "payload-too-large");
  EXPECT_EQ(decoded(big).line.size(), 200U);
}

TEST(FramesTest, RepliesAreJsonObjectsEchoingTheId) {
  auto ok = boost::json::parse(ok_frame(7, R"({"a":[1]})")).as_object();
  EXPECT_EQ(ok.at("id").as_int64(), 7);
  EXPECT_TRUE(ok.at("ok").as_bool());
  EXPECT_EQ(ok.at("result").at("a").at(0).as_int64(), 1);

  auto err = boost::json::parse(
                 error_frame(boost::json::value("q\"x"), make_problem(gh_errc::not_found, "gone")))
                 .as_object();
  EXPECT_EQ(err.at("id").as_string(), "q\"x");
  EXPECT_FALSE(err.at("ok").as_bool());
  EXPECT_EQ(err.at("error").at("status").as_int64(), 404);
  EXPECT_EQ(boost::json::parse(error_frame(nullptr, make_problem(gh_errc::validation, "x")))
                .at("id")
                .is_null(),
            true);
}
