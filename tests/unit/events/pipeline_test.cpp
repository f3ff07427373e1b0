#include "actors/events/dead_letters.hpp"
#include "actors/events/push.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh {
namespace {

TEST(DeadLetters, HeaderValuesArePrintableAndBounded) {
  EXPECT_EQ(events::header_safe("bad\r\nthing\x01"), "bad??thing?");
  EXPECT_EQ(events::header_safe(std::string(1000, 'x')).size(), 300U);
}

TEST(DeadLetters, ListingRedactsLinkVariables) {
  const auto shown = events::redacted(
      R"({"id":"x","data":{"to":"a@example.com","vars":{"reset_url":"https://app/r?token=secret",)"
      R"("name":"Ann"}}})");
  EXPECT_EQ(shown.find("secret"), std::string::npos);
  EXPECT_NE(shown.find(R"("reset_url":"[redacted]")"), std::string::npos);
  EXPECT_NE(shown.find(R"("name":"Ann")"), std::string::npos);
  EXPECT_EQ(events::redacted("{not json"), "{not json");
}

TEST(UserPush, FramesAUsersEventAndIgnoresAnythingElse) {
  const std::string event =
      R"({"id":"6f1c2a8e-1111-4222-8333-944455556666","type":"user.updated",)"
      R"("occurred_at":"2026-11-23T10:00:00Z","tenant_id":"00000000-0000-0000-0000-000000000001",)"
      R"("data":{"user_id":"6f1c2a8e-1111-4222-8333-944455556667","name":"Ada"}})";
  auto [user, frame, checkout] = events::user_push::frame_for(event);
  EXPECT_EQ(user, "6f1c2a8e-1111-4222-8333-944455556667");
  auto v = boost::json::parse(frame);
  EXPECT_EQ(v.at("event").as_string(), "user.updated");
  EXPECT_EQ(v.at("data").at("name").as_string(), "Ada");
  EXPECT_TRUE(checkout.empty());
  EXPECT_TRUE(events::user_push::frame_for("{not json").user.empty());
  auto no_user = event;
  no_user.replace(no_user.find("\"user_id\""), 9, "\"someone\"");
  EXPECT_TRUE(events::user_push::frame_for(no_user).user.empty());
}

TEST(UserPush, AnAudienceEventKeepsItsDataForTheAudienceToRead) {
  const std::string event =
      R"({"id":"6f1c2a8e-1111-4222-8333-944455556666","type":"record.created",)"
      R"("occurred_at":"2026-11-23T10:00:00Z","tenant_id":"00000000-0000-0000-0000-000000000001",)"
      R"("data":{"collection":"notes","record_id":"6f1c2a8e-1111-4222-8333-944455556668",)"
      R"("org_id":"6f1c2a8e-1111-4222-8333-944455556669","version":2}})";
  auto pushed = events::user_push::frame_for_audience(event);
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->data.at("org_id").as_string(), "6f1c2a8e-1111-4222-8333-944455556669");
  auto v = boost::json::parse(pushed->frame);
  EXPECT_EQ(v.at("event").as_string(), "record.created");
  EXPECT_EQ(v.at("data").at("version").as_int64(), 2);
  // No user_id: the plain path pushes it to nobody, the audience path still frames it.
  EXPECT_TRUE(events::user_push::frame_for(event).user.empty());
  EXPECT_FALSE(events::user_push::frame_for_audience("{not json"));
  EXPECT_FALSE(events::user_push::frame_for_audience(R"({"id":"x","type":"record.created"})"));
}

} // namespace
} // namespace gh
