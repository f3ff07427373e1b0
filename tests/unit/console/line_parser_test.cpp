#include "actors/console/line_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace gh::console;

namespace {

std::vector<std::string> words(std::string_view line, const line_limits& limits = {}) {
  auto split = split_line(line, limits);
  if (auto* error = std::get_if<line_error>(&split)) {
    ADD_FAILURE() << "refused " << line << ": " << error->message;
    return {};
  }
  return std::get<std::vector<std::string>>(split);
}

std::string refusal(std::string_view line, const line_limits& limits = {}) {
  auto split = split_line(line, limits);
  auto* error = std::get_if<line_error>(&split);
  return error == nullptr ? std::string{"accepted"} : error->message;
}

using list = std::vector<std::string>;

} // namespace

TEST(LineParserTest, SplitsOnBlanksAndIgnoresTheirRuns) {
  EXPECT_EQ(words("/tg chats 5"), (list{"/tg", "chats", "5"}));
  EXPECT_EQ(words("  /me  "), (list{"/me"}));
  EXPECT_EQ(words("/a\t\tb \t c"), (list{"/a", "b", "c"}));
}

TEST(LineParserTest, QuotesGroupWords) {
  EXPECT_EQ(words(R"(/tg send "Alice Smith" hello there)"),
            (list{"/tg", "send", "Alice Smith", "hello", "there"}));
  EXPECT_EQ(words("/x 'a  b' c"), (list{"/x", "a  b", "c"}));
  // Parts that touch form one word; "" is an empty word.
  EXPECT_EQ(words(R"(/x a"b c"d)"), (list{"/x", "ab cd"}));
  EXPECT_EQ(words(R"(/x "" '')"), (list{"/x", "", ""}));
  EXPECT_EQ(words(R"(/x "it's" 'say "hi"')"), (list{"/x", "it's", R"(say "hi")"}));
}

TEST(LineParserTest, BackslashesEscape) {
  EXPECT_EQ(words(R"(/x a\ b)"), (list{"/x", "a b"}));
  EXPECT_EQ(words(R"(/x "a \"quoted\" word" \\)"), (list{"/x", R"(a "quoted" word)", "\\"}));
  // Single quotes take everything literally, backslashes too.
  EXPECT_EQ(words(R"(/x 'a\nb')"), (list{"/x", R"(a\nb)"}));
  EXPECT_EQ(words(R"(/x \')"), (list{"/x", "'"}));
}

TEST(LineParserTest, KeepsUnicode) {
  EXPECT_EQ(words("/tg send Zoë \"Привет, мир\" 👋"),
            (list{"/tg", "send", "Zoë", "Привет, мир", "👋"}));
  EXPECT_EQ(words("/x \\é"), (list{"/x", "é"}));
}

TEST(LineParserTest, RefusesEmptyAndBlankLines) {
  EXPECT_NE(refusal(""), "accepted");
  EXPECT_NE(refusal("   \t "), "accepted");
}

TEST(LineParserTest, RefusesUnterminatedQuotesAndTrailingBackslashes) {
  EXPECT_NE(refusal(R"(/x "abc)").find("double quote"), std::string::npos);
  EXPECT_NE(refusal(R"(/x "abc\")").find("double quote"), std::string::npos);
  EXPECT_NE(refusal("/x 'abc").find("single quote"), std::string::npos);
  EXPECT_NE(refusal("/x abc\\").find("backslash"), std::string::npos);
}

TEST(LineParserTest, RefusesControlCharactersAndBrokenUtf8) {
  for (std::string bad :
       {std::string{"/x a\nb"}, std::string{"/x \r"}, std::string{"/x \x1b[2J"},
        std::string{"/x \x7f"}, std::string{"/x \xc2\x85"}, std::string{"/x a\0b", 6}})
    EXPECT_NE(refusal(bad).find("control character"), std::string::npos) << bad;
  for (std::string bad : {std::string{"/x \xff"}, std::string{"/x \xc3"},
                          std::string{"/x \xed\xa0\x80"}, std::string{"/x \xc0\xaf"}})
    EXPECT_NE(refusal(bad).find("UTF-8"), std::string::npos) << bad;
  // A control character inside quotes or after a backslash is refused all the same.
  EXPECT_NE(refusal("/x \"a\tb\x01\""), "accepted");
  EXPECT_NE(refusal("/x \\\x01"), "accepted");
}

TEST(LineParserTest, RefusesHugeLinesAndTooManyWords) {
  const line_limits limits{64, 4};
  EXPECT_EQ(words(std::string(64, 'a'), limits).size(), 1U);
  EXPECT_NE(refusal(std::string(65, 'a'), limits).find("at most 64 bytes"), std::string::npos);
  EXPECT_EQ(words("/a b c d", limits).size(), 4U);
  EXPECT_NE(refusal("/a b c d e", limits).find("at most 4 words"), std::string::npos);
  EXPECT_NE(refusal("/a b c d \"\"", limits).find("at most 4 words"), std::string::npos);
  // The default limit: 4 KiB, 64 words.
  EXPECT_NE(refusal("/x " + std::string(5000, 'y')), "accepted");
  std::string many = "/x";
  for (int i = 0; i < 70; ++i)
    many += " w";
  EXPECT_NE(refusal(many), "accepted");
}

TEST(LineParserTest, TextProblemNamesWhatIsWrong) {
  EXPECT_EQ(text_problem("fine text\twith a tab"), "");
  EXPECT_EQ(text_problem("bell\a"), "holds a control character");
  EXPECT_EQ(text_problem("\xfe"), "is not valid UTF-8");
}
