#include "providers/smtp/message.hpp"

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

TEST(SmtpMessage, TextPartsAreInCanonicalFormWithoutControls) {
  EXPECT_EQ(smtp::canonical_text("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
  EXPECT_EQ(smtp::canonical_text("esc\x1b[2J bel\x07 del\x7f nul" + std::string(1, '\0') + "\tok"),
            "esc[2J bel del nul\tok");
  EXPECT_EQ(smtp::canonical_text("caf\xc3\xa9\n"), "caf\xc3\xa9\r\n");
  auto m = sample();
  m.text = "Hello \x1b]0;pwned\x07"
           "Ann,\n\rbye";
  const auto text = smtp::compose(m, noon);
  EXPECT_NE(text.find(smtp::base64_lines("Hello ]0;pwnedAnn,\r\n\r\nbye")), std::string::npos);
}

TEST(SmtpMessage, ComposesHeadersAndTwoBase64Parts) {
  const auto text = smtp::compose(sample(), noon);
  ASSERT_FALSE(text.empty());
  EXPECT_TRUE(text.starts_with("From: Gatehouse <no-reply@example.com>\r\nTo: <ann@example.com>\r\n"
                               "Subject: Welcome\r\nDate: "));
  EXPECT_NE(text.find(" +0000\r\nMessage-ID: <abc@example.com>\r\nMIME-Version: 1.0\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
                      "base64\r\n\r\n" +
                      smtp::base64_lines("Hello Ann,\r\n") + "\r\n"),
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

} // namespace
} // namespace gh
