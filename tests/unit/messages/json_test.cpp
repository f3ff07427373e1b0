#include "messages/json.hpp"

#include <gtest/gtest.h>

#include <variant>

using namespace gh;

TEST(UntrustedJsonTest, ParsesEveryValueKind) {
  auto r = parse_untrusted_json(R"({"s":"x\u00e9","i":-3,"u":18446744073709551615,"d":1.5,)"
                                R"("b":true,"n":null,"a":[1,"2"]})");
  ASSERT_TRUE(std::holds_alternative<boost::json::value>(r));
  const auto& o = std::get<boost::json::value>(r).as_object();
  EXPECT_EQ(o.at("s").as_string(), "x\xc3\xa9");
  EXPECT_EQ(o.at("i").as_int64(), -3);
  EXPECT_EQ(o.at("u").as_uint64(), 18446744073709551615ULL);
  EXPECT_DOUBLE_EQ(o.at("d").as_double(), 1.5);
  EXPECT_TRUE(o.at("b").as_bool());
  EXPECT_TRUE(o.at("n").is_null());
  EXPECT_EQ(o.at("a").as_array().size(), 2U);
}

TEST(UntrustedJsonTest, RefusesWhatIsNotStrictJson) {
  for (std::string_view bad : {"", " ", "{", "{'a':1}", "{\"a\":1,}", "[1 2]", "NaN", "01",
                               "\"\xc3\x28\"", "{\"a\":1}{}", "tru", "\"unterminated"}) {
    auto r = parse_untrusted_json(bad);
    EXPECT_TRUE(std::holds_alternative<json_error>(r)) << bad;
  }
}

TEST(UntrustedJsonTest, EnforcesSizeAndDepth) {
  auto big = parse_untrusted_json(std::string(100, ' ') + "1", json_limits{50, 8});
  ASSERT_TRUE(std::holds_alternative<json_error>(big));
  EXPECT_NE(std::get<json_error>(big).message.find("50 bytes"), std::string::npos);
  auto deep = parse_untrusted_json("[[[[[[[[[[1]]]]]]]]]]", json_limits{1024, 4});
  ASSERT_TRUE(std::holds_alternative<json_error>(deep));
  auto fine = parse_untrusted_json("[[[1]]]", json_limits{1024, 4});
  EXPECT_TRUE(std::holds_alternative<boost::json::value>(fine));
}

TEST(UntrustedJsonTest, RefusesDuplicateKeysAtAnyDepth) {
  auto r = parse_untrusted_json(R"({"a":{"b":1,"b":2}})");
  ASSERT_TRUE(std::holds_alternative<json_error>(r));
}

TEST(UntrustedJsonTest, ParserIsReusedAcrossSizes) {
  // The thread's parser grows and shrinks its depth setting without losing correctness.
  EXPECT_TRUE(std::holds_alternative<boost::json::value>(parse_untrusted_json("[1,2]")));
  EXPECT_TRUE(std::holds_alternative<boost::json::value>(parse_untrusted_json(
      R"({"k":")" + std::string(100000, 'x') + "\"}", json_limits{200000, 2})));
  EXPECT_TRUE(std::holds_alternative<boost::json::value>(parse_untrusted_json("{}")));
}
