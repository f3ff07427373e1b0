#include "actors/records/merge_patch.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace gh::records {
namespace {

namespace json = boost::json;

struct merge_case {
  const char* original;
  const char* patch;
  const char* result;
};

// RFC 7396, Appendix A: every example, in its order.
const merge_case rfc7396_appendix_a[] = {
    {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
    {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
    {R"({"a":"b"})", R"({"a":null})", R"({})"},
    {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
    {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
    {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
    {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
    {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
    {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
    {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
    {R"({"a":"foo"})", R"(null)", R"(null)"},
    {R"({"a":"foo"})", R"("bar")", R"("bar")"},
    {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
    {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
    {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
};

TEST(MergePatch, EveryExampleOfRfc7396AppendixA) {
  for (const auto& c : rfc7396_appendix_a) {
    const auto result = merge_patch(json::parse(c.original), json::parse(c.patch));
    EXPECT_EQ(result, json::parse(c.result))
        << c.original << " + " << c.patch << " gave " << json::serialize(result);
  }
}

TEST(MergePatch, TheExampleOfRfc7396Section3) {
  const auto target = json::parse(R"({"title":"Goodbye!","author":{"givenName":"John",
      "familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"})");
  const auto patch = json::parse(R"({"title":"Hello!","phoneNumber":"+01-123-456-7890",
      "author":{"familyName":null},"tags":["example"]})");
  EXPECT_EQ(merge_patch(target, patch), json::parse(R"({"title":"Hello!","author":{
      "givenName":"John"},"tags":["example"],"content":"This will be unchanged",
      "phoneNumber":"+01-123-456-7890"})"));
}

TEST(MergePatch, NullsInsideArraysAreKeptAndPatchingTwiceChangesNothingMore) {
  const auto target = json::parse(R"({"keep":1,"list":[1,2]})");
  const auto patch = json::parse(R"({"list":[null,{"x":null}],"gone":null,"deep":{"n":null}})");
  const auto once = merge_patch(target, patch);
  EXPECT_EQ(once, json::parse(R"({"keep":1,"list":[null,{"x":null}],"deep":{}})"));
  EXPECT_EQ(merge_patch(once, patch), once);
}

} // namespace
} // namespace gh::records
