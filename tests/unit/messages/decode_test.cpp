#include "messages/decode.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace gh::decode {
namespace {

TEST(DecodeTest, NameProblemRefusesWhatBreaksOrHidesText) {
  const std::string refused[] = {
      "there.\r\n\r\nYour account was flagged. Verify now at https://evil.example",
      "tab\there",
      "esc\x1b[2J",
      "bel\x07",
      "c1 \xc2\x85 next line",
      "\xe2\x80\xae"
      "fdp.exe", // U+202E right-to-left override
      "a\xe2\x81\xa6"
      "b\xe2\x81\xa9", // U+2066 .. U+2069 isolates
      "a\xd8\x9c"
      "b",                   // U+061C Arabic letter mark
      "line\xe2\x80\xa8sep", // U+2028
      "",
      "   ",
      "\xe3\x80\x80",             // ideographic space only
      "\xe2\x80\x8b\xe2\x80\x8c", // zero-width space, zero-width non-joiner
      "\xef\xbb\xbf\xe2\x81\xa0", // BOM, word joiner
      "\xcc\x81\xcc\x81",         // combining acute accents alone
      "\xe3\x85\xa4",             // Hangul filler (default ignorable)
      "bad \xc3",                 // ill-formed UTF-8
  };
  for (const auto& text : refused)
    EXPECT_TRUE(name_problem(text, 200).has_value()) << text;
  EXPECT_TRUE(name_problem(std::string(201, 'n'), 200).has_value());
}

TEST(DecodeTest, NameProblemAcceptsNamesOfEveryScript) {
  for (const std::string_view name :
       {"Ada", "Zo\xc3\xab \xe6\x9d\x8e", "\xd8\xb9\xd9\x84\xd9\x8a", "O'Brien-Smith, Jr.",
        "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87", // Devanagari
        "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", // emoji joined by U+200D
        " padded "})
    EXPECT_FALSE(name_problem(name, 200).has_value()) << name;
  EXPECT_FALSE(name_problem(std::string(200, 'n'), 200).has_value());
}

TEST(DecodeTest, TrimSpaceRemovesUnicodeWhiteSpaceAtBothEnds) {
  EXPECT_EQ(trim_space("  Ada  "), "Ada");
  EXPECT_EQ(trim_space("\xe3\x80\x80"
                       "Ada Lovelace\xc2\xa0"),
            "Ada Lovelace");
  EXPECT_EQ(trim_space(" \t "), "");
  EXPECT_EQ(trim_space("Ada"), "Ada");
}

TEST(DecodeTest, OneLineTurnsBreaksAndBidiControlsIntoSpaces) {
  EXPECT_EQ(one_line("a\r\n\r\nb"), "a    b");
  EXPECT_EQ(one_line("x\xe2\x80\xaey\xe2\x80\xa8z"), "x y z");
  EXPECT_EQ(one_line("esc\x1b bel\x07"), "esc  bel ");
  EXPECT_EQ(one_line("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(one_line("bad\xc3"), "bad\xef\xbf\xbd");
  EXPECT_EQ(one_line("\xff\x80"
                     "a"),
            "\xef\xbf\xbd\xef\xbf\xbd"
            "a");
}

TEST(DecodeTest, OriginOfComparesAsBrowsersDo) {
  EXPECT_EQ(origin_of("https://App.Example.COM/path?q=1"), "https://app.example.com");
  EXPECT_EQ(origin_of("HTTPS://app.example.com:443/"), "https://app.example.com");
  EXPECT_EQ(origin_of("http://app.example.com:80"), "http://app.example.com");
  EXPECT_EQ(origin_of("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
  EXPECT_EQ(origin_of("https://app.example.com:8443"), "https://app.example.com:8443");
  EXPECT_EQ(origin_of("http://[::1]:9000/"), "http://[::1]:9000");
  for (const std::string_view bad :
       {"", "app.example.com", "/relative", "javascript:alert(1)", "ftp://app.example.com",
        "https://user@app.example.com", "https://app.example.com:99999", "https:///path",
        "https://app.example.com:80x"})
    EXPECT_FALSE(origin_of(bad).has_value()) << bad;
}

} // namespace
} // namespace gh::decode
