#include "config/dotenv.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>

using gh::config::dotenv_error;
using gh::config::parse_dotenv;
using vars = std::map<std::string, std::string>;

namespace {

vars ok(std::string_view text) {
  auto result = parse_dotenv(text);
  EXPECT_TRUE(std::holds_alternative<vars>(result)) << text;
  return std::holds_alternative<vars>(result) ? std::get<vars>(result) : vars{};
}

std::vector<dotenv_error> bad(std::string_view text) {
  auto result = parse_dotenv(text);
  EXPECT_TRUE(std::holds_alternative<std::vector<dotenv_error>>(result)) << text;
  return std::holds_alternative<vars>(result) ? std::vector<dotenv_error>{}
                                              : std::get<std::vector<dotenv_error>>(result);
}

} // namespace

TEST(DotenvTest, ReadsPlainQuotedAndExportedValues) {
  auto v = ok("# comment\n"
              "A=1\n"
              "export B = two words  # trailing comment\n"
              "C='single # not a comment'\n"
              "D=\"line\\nbreak \\\"q\\\"\"\n"
              "E=\n"
              "\n"
              "F=a#b\r\n");
  EXPECT_EQ(v["A"], "1");
  EXPECT_EQ(v["B"], "two words");
  EXPECT_EQ(v["C"], "single # not a comment");
  EXPECT_EQ(v["D"], "line\nbreak \"q\"");
  EXPECT_EQ(v["E"], "");
  EXPECT_EQ(v["F"], "a#b");
}

TEST(DotenvTest, LaterLinesWin) {
  EXPECT_EQ(ok("A=1\nA=2\n")["A"], "2");
}

TEST(DotenvTest, ReportsEveryBadLineWithItsNumber) {
  auto errors = bad("GOOD=1\nno equals sign\n1BAD=2\nQ=\"unterminated\nR='x' junk\nS=\"\\q\"\n");
  ASSERT_EQ(errors.size(), 5U);
  EXPECT_EQ(errors[0].line, 2U);
  EXPECT_EQ(errors[1].line, 3U);
  EXPECT_EQ(errors[2].line, 4U);
  EXPECT_EQ(errors[3].line, 5U);
  EXPECT_EQ(errors[4].line, 6U);
}

TEST(DotenvTest, ErrorsNeverQuoteValues) {
  auto errors = bad("SECRET=\"hunter2-very-secret\n");
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].message.find("hunter2"), std::string::npos);
}

TEST(DotenvTest, RefusesNulBytesAndHugeFiles) {
  EXPECT_EQ(bad(std::string_view{"A=1\0x\n", 6}).size(), 1U);
  EXPECT_EQ(bad(std::string(2 * 1024 * 1024, 'a')).size(), 1U);
}
