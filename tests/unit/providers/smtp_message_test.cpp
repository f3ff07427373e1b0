#include "actors/events/dead_letters.hpp"
#include "actors/events/push.hpp"
#include "providers/smtp/message.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh {
namespace {

smtp::mail_message sample() {
  return {"Gatehouse <no-reply@example.com>",
          "ann@example.com",
          "Welcome",
          "Hello Ann,\n",
          "<p>Hello Ann,</p>",
          "<abc@example.com>"};
}

const auto noon = std::chrono::system_clock::from_time_t(1795435200);

TEST(SmtpMessage, ComposesHeadersAndTwoBase64Parts) {
  const auto text = smtp::compose(sample(), noon);
  ASSERT_FALSE(text.empty());
  EXPECT_TRUE(text.starts_with("From: Gatehouse <no-reply@example.com>\r\nTo: <ann@example.com>\r\n"
                               "Subject: Welcome\r\nDate: "));
  EXPECT_NE(text.find(" +0000\r\nMessage-ID: <abc@example.com>\r\nMIME-Version: 1.0\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
                      "base64\r\n\r\n" +
                      smtp::base64_lines("Hello Ann,\n") + "\r\n"),
            std::string::npos);
  EXPECT_NE(text.find(smtp::base64_lines("<p>Hello Ann,</p>")), std::string::npos);
  EXPECT_TRUE(text.ends_with("--=_gatehouse_alternative--\r\n"));
  // Every line ends in CRLF and stays within SMTP's limit.
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find("\r\n", at);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - at, 998U);
    EXPECT_EQ(text.substr(at, end - at).find('\n'), std::string::npos);
    at = end + 2;
  }
}

TEST(SmtpMessage, EncodesANonAsciiSubjectAsAnEncodedWord) {
  auto m = sample();
  m.subject = "Willkommen, Jürgen";
  const auto text = smtp::compose(m, noon);
  EXPECT_NE(text.find("Subject: =?UTF-8?B?" + smtp::base64_lines("Willkommen, Jürgen") + "?=\r\n"),
            std::string::npos);
}

TEST(SmtpMessage, RefusesHeaderInjection) {
  auto m = sample();
  m.subject = "Hi\r\nBcc: victim@example.com";
  EXPECT_TRUE(smtp::compose(m, noon).empty());
  m = sample();
  m.to = "ann@example.com\r\nBcc: victim@example.com";
  EXPECT_TRUE(smtp::compose(m, noon).empty());
  m = sample();
  m.from = "Gatehouse <no-reply@example.com>\nBcc: x@example.com";
  EXPECT_TRUE(smtp::compose(m, noon).empty());
  m = sample();
  m.from = "no address here";
  EXPECT_TRUE(smtp::compose(m, noon).empty());
}

TEST(SmtpMessage, AddressOfTakesTheAngleAddrOrABarePlainAddress) {
  EXPECT_EQ(smtp::address_of("Gatehouse <no-reply@localhost>"), "no-reply@localhost");
  EXPECT_EQ(smtp::address_of("no-reply@localhost"), "no-reply@localhost");
  EXPECT_EQ(smtp::address_of("Gatehouse <no-reply@localhost> trailing"), "");
  EXPECT_EQ(smtp::address_of("<a b@c>"), "");
  EXPECT_EQ(smtp::address_of(""), "");
}

TEST(SmtpMessage, Base64LinesMatchRfc4648AndWrapAt76) {
  EXPECT_EQ(smtp::base64_lines(""), "");
  EXPECT_EQ(smtp::base64_lines("f"), "Zg==");
  EXPECT_EQ(smtp::base64_lines("foobar"), "Zm9vYmFy");
  const auto long_text = smtp::base64_lines(std::string(100, 'x'));
  EXPECT_EQ(long_text.find("\r\n"), 76U);
}

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

} // namespace
} // namespace gh
