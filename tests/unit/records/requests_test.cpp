#include "actors/records/documents.hpp"
#include "actors/records/requests.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh::records {
namespace {

namespace json = boost::json;

/// `levels` nested arrays around a 0: `[[[0]]]` for 3.
std::string nested(std::size_t levels) {
  return std::string(levels, '[') + "0" + std::string(levels, ']');
}

refusal refused(const auto& decoded) {
  return std::get<refusal>(decoded);
}

TEST(RecordRequests, CollectionNamesFollowTheContract) {
  for (const char* good : {"a", "notes", "todo_items", "x1", "a_b_c_9"})
    EXPECT_TRUE(is_collection_name(good)) << good;
  EXPECT_TRUE(is_collection_name(std::string(63, 'a')));
  EXPECT_FALSE(is_collection_name(std::string(64, 'a')));
  for (const char* bad : {"", "1abc", "_a", "Notes", "no-dash", "sp ace", "é", "a.b", "a/b", "%61"})
    EXPECT_FALSE(is_collection_name(bad)) << bad;
}

TEST(RecordRequests, NewRecordNeedsADataObjectAndNothingElse) {
  auto ok = decode_new_record(R"({"data":{"title":"hi","n":[1,2,{"x":null}]}})");
  ASSERT_TRUE(std::holds_alternative<std::string>(ok));
  EXPECT_EQ(json::parse(std::get<std::string>(ok)),
            json::parse(R"({"title":"hi","n":[1,2,{"x":null}]})"));
  EXPECT_EQ(refused(decode_new_record(R"({})")).errors.front().field, "data");
  EXPECT_EQ(refused(decode_new_record(R"({"data":[1]})")).errors.front().field, "data");
  EXPECT_EQ(refused(decode_new_record(R"({"data":"text"})")).errors.front().field, "data");
  EXPECT_EQ(refused(decode_new_record(R"({"data":null})")).errors.front().field, "data");
  EXPECT_EQ(refused(decode_new_record(R"({"data":{},"owner_id":"x"})")).errors.front().field,
            "owner_id");
  EXPECT_EQ(refused(decode_new_record(R"([{"data":{}}])")).code, gh_errc::validation);
}

TEST(RecordRequests, DataOver64KiBIsPayloadTooLargeAtTheByte) {
  // {"s":"<n x>"} is n + 8 bytes of compact JSON.
  const auto body = [](std::size_t n) {
    return R"({"data":{"s":")" + std::string(n, 'x') + R"("}})";
  };
  EXPECT_TRUE(std::holds_alternative<std::string>(decode_new_record(body(max_data_bytes - 8))));
  const auto over = refused(decode_new_record(body(max_data_bytes - 7)));
  EXPECT_EQ(over.code, gh_errc::payload_too_large);
  EXPECT_EQ(over.errors.front().field, "data");
  // Whitespace in the body does not count: the stored form is compact.
  const auto spaced =
      R"({"data":   {"s"  :  ")" + std::string(max_data_bytes - 8, 'x') + R"("  } })";
  EXPECT_TRUE(std::holds_alternative<std::string>(decode_new_record(spaced)));
  EXPECT_EQ(refused(decode_new_record(std::string(max_body_bytes + 1, ' '))).code,
            gh_errc::payload_too_large);
}

TEST(RecordRequests, DataNestsAtMost32Levels) {
  // The data object is level 1; 31 arrays inside it make 32.
  const auto at = [](std::size_t levels) { return R"({"data":{"a":)" + nested(levels - 1) + "}}"; };
  EXPECT_TRUE(std::holds_alternative<std::string>(decode_new_record(at(max_data_depth))));
  const auto deep = refused(decode_new_record(at(max_data_depth + 1)));
  EXPECT_EQ(deep.code, gh_errc::validation);
  EXPECT_EQ(deep.errors.front().field, "data");
  EXPECT_EQ(refused(decode_new_record(at(200))).errors.front().field, "data");
}

TEST(RecordRequests, NulCharactersCannotBeStored) {
  EXPECT_EQ(refused(decode_new_record(R"({"data":{"a":"x\u0000y"}})")).errors.front().field,
            "data");
  EXPECT_EQ(refused(decode_new_record(R"({"data":{"a\u0000":1}})")).errors.front().field, "data");
  EXPECT_TRUE(
      std::holds_alternative<std::string>(decode_new_record(R"({"data":{"a":"\u0001é"}})")));
}

TEST(RecordRequests, APatchIsAnObjectWithinTheSameLimits) {
  auto ok = decode_patch(R"({"data":{"a":null,"b":{"c":1}}})");
  ASSERT_TRUE(std::holds_alternative<json::value>(ok));
  EXPECT_TRUE(std::get<json::value>(ok).at("a").is_null());
  EXPECT_EQ(refused(decode_patch(R"({"data":null})")).errors.front().field, "data");
  EXPECT_EQ(refused(decode_patch(R"({"data":[]})")).errors.front().field, "data");
  EXPECT_EQ(
      refused(decode_patch(R"({"data":{"s":")" + std::string(max_data_bytes, 'x') + R"("}})")).code,
      gh_errc::payload_too_large);
}

TEST(RecordRequests, CursorsRoundTripAndAnythingElseIsRefused) {
  const cursor c{1767225600123456, "6f1c2a8e-1111-4222-8333-944455556666"};
  const auto text = encode_cursor(c);
  const auto back = decode_cursor(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->created_us, c.created_us);
  EXPECT_EQ(back->id, c.id);
  for (const std::string& bad :
       {std::string{}, std::string{"x"},
        crypto::base64url_encode("u1.1.6f1c2a8e-1111-4222-8333-944455556666"),
        crypto::base64url_encode("r1.-5.6f1c2a8e-1111-4222-8333-944455556666"),
        crypto::base64url_encode("r1.99999999999999999999.6f1c2a8e-1111-4222-8333-944455556666"),
        crypto::base64url_encode("r1.5.not-a-uuid"), crypto::base64url_encode("r1.5"),
        std::string(200, 'A')})
    EXPECT_FALSE(decode_cursor(bad)) << bad;
}

TEST(RecordRequests, ListQueryChecksLimitCursorAndFilter) {
  auto plain = std::get<list_query>(decode_list_query(""));
  EXPECT_EQ(plain.limit, default_page);
  EXPECT_FALSE(plain.after);
  EXPECT_TRUE(plain.filter.empty());
  auto full = std::get<list_query>(
      decode_list_query("limit=100&filter=%7B%22status%22%3A%22open%22%7D&cursor=" +
                        encode_cursor({5, "6f1c2a8e-1111-4222-8333-944455556666"})));
  EXPECT_EQ(full.limit, 100);
  ASSERT_TRUE(full.after);
  EXPECT_EQ(full.after->created_us, 5);
  EXPECT_EQ(json::parse(full.filter), json::parse(R"({"status":"open"})"));
  for (const char* bad_limit :
       {"limit=0", "limit=101", "limit=-1", "limit=abc", "limit=1e2", "limit="})
    EXPECT_EQ(refused(decode_list_query(bad_limit)).errors.front().field, "limit") << bad_limit;
  EXPECT_EQ(refused(decode_list_query("cursor=nope")).errors.front().field, "cursor");
  for (const char* bad_filter : {"filter=%5B1%5D", "filter=%7Bbroken", "filter=1", "filter=null",
                                 "filter=%7B%22a%22%3A%22%5Cu0000%22%7D", "filter=%ZZ"})
    EXPECT_FALSE(refused(decode_list_query(bad_filter)).errors.empty()) << bad_filter;
  EXPECT_EQ(refused(decode_list_query("sort=desc")).errors.front().field, "sort");
}

TEST(RecordRequests, FiltersAreBoundedObjects) {
  EXPECT_EQ(std::get<std::string>(compile_filter(R"( { "tags" : ["a"] } )")), R"({"tags":["a"]})");
  EXPECT_TRUE(std::holds_alternative<std::string>(compile_filter("{}")));
  EXPECT_TRUE(std::holds_alternative<document_problem>(
      compile_filter(R"({"a":")" + std::string(max_filter_bytes, 'x') + R"("})")));
  EXPECT_TRUE(std::holds_alternative<document_problem>(
      compile_filter(R"({"a":)" + nested(max_filter_depth) + "}")));
  EXPECT_TRUE(std::holds_alternative<document_problem>(compile_filter(R"({"a":1,"a":2})")));
}

TEST(RecordRequests, IfMatchTakesStarOrStrongVersionTags) {
  auto star = std::get<if_match>(decode_if_match(" * "));
  EXPECT_TRUE(star.any);
  EXPECT_TRUE(star.holds(42));
  auto one = std::get<if_match>(decode_if_match(R"("3")"));
  EXPECT_TRUE(one.holds(3));
  EXPECT_FALSE(one.holds(4));
  auto list = std::get<if_match>(decode_if_match(R"("1", W/"2" ,"abc",, "4")"));
  EXPECT_TRUE(list.holds(1));
  EXPECT_FALSE(list.holds(2)); // weak tags never match
  EXPECT_TRUE(list.holds(4));
  EXPECT_FALSE(std::get<if_match>(decode_if_match(R"("03")")).holds(3));
  for (const char* bad : {"", "3", "\"3", "W/3", "\"a b\"", "\"x\"\"y\"", ","})
    EXPECT_EQ(refused(decode_if_match(bad)).errors.front().field, "If-Match") << bad;
  EXPECT_EQ(etag_of(7), "\"7\"");
}

} // namespace
} // namespace gh::records
