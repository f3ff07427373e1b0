// The TDLib codec: requests as TDLib 1.8.65 reads them, views of its objects, argument limits and
// errors as problems.
#include "actors/telegram/td_codec.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gh::telegram {
namespace {

namespace json = boost::json;

json::object parsed(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(TdCodecTest, ParametersAreFlatWithEveryDatabaseOff) {
  auto p = tdlib_parameters({12345, "hash", "Gatehouse 1"}, "/dev/shm/x/s-1");
  EXPECT_EQ(p.at("@type"), "setTdlibParameters");
  EXPECT_FALSE(p.contains("parameters")) << "1.8 takes the fields on the request itself";
  EXPECT_EQ(p.at("api_id"), 12345);
  EXPECT_EQ(p.at("database_directory"), "/dev/shm/x/s-1");
  EXPECT_EQ(p.at("files_directory"), "/dev/shm/x/s-1");
  for (const char* off : {"use_file_database", "use_chat_info_database", "use_message_database",
                          "use_secret_chats", "use_test_dc"})
    EXPECT_EQ(p.at(off), false) << off;
  EXPECT_FALSE(p.at("application_version").as_string().empty());
}

TEST(TdCodecTest, PhonesAreNormalisedAndMasked) {
  EXPECT_EQ(normalized_phone("+1 (202) 555-0123"), "+12025550123");
  EXPECT_EQ(normalized_phone("447700900123"), "+447700900123");
  for (const char* bad : {"", "+", "12345", "+1234567890123456", "+1202555012a", "0202555012",
                          "+1 202 555 0123 0000 0000 0000 0000 0", "1+2025550123"})
    EXPECT_FALSE(normalized_phone(bad)) << bad;
  EXPECT_EQ(masked_phone("+12025550123"),
            "+\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u202223");
}

TEST(TdCodecTest, ArgumentsHaveLimits) {
  EXPECT_FALSE(argument_problem("code", "12345"));
  EXPECT_TRUE(argument_problem("code", ""));
  EXPECT_TRUE(argument_problem("code", "12 45"));
  EXPECT_TRUE(argument_problem("code", std::string(17, '1')));
  EXPECT_FALSE(argument_problem("password", "correct horse battery staple"));
  EXPECT_TRUE(argument_problem("password", std::string(257, 'p')));
  EXPECT_FALSE(argument_problem("chat", "Book Club"));
  EXPECT_TRUE(argument_problem("chat", std::string(513, 'c')));
  EXPECT_TRUE(argument_problem("chat", "\xff\xfe"));
  EXPECT_FALSE(argument_problem("text", std::string(4096, 'x')));
  EXPECT_TRUE(argument_problem("text", std::string(4097, 'x')));
  std::string emoji;
  for (int i = 0; i < 4096; ++i)
    emoji += "\xF0\x9F\x98\x80";
  EXPECT_FALSE(argument_problem("text", emoji)) << "4096 characters of 4 bytes fit";
  EXPECT_TRUE(argument_problem("query", std::string(257, 'q')));
  EXPECT_TRUE(argument_problem("nonsense", "x"));
}

TEST(TdCodecTest, AChatIsAnIdOrATitle) {
  EXPECT_EQ(std::get<int64_t>(chat_of("1001")), 1001);
  EXPECT_EQ(std::get<int64_t>(chat_of("-1001234567890")), -1001234567890);
  EXPECT_EQ(std::get<std::string>(chat_of("Book Club")), "Book Club");
  EXPECT_EQ(std::get<std::string>(chat_of("12a")), "12a");
}

TEST(TdCodecTest, MessagesAndChatsBecomeTheConsolesViews) {
  const auto m = parsed(R"({"@type":"message","id":1048576,"chat_id":1001,
    "sender_id":{"@type":"messageSenderUser","user_id":501},"date":1767225600,"is_outgoing":false,
    "content":{"@type":"messageText","text":{"@type":"formattedText","text":"hi there","entities":[]}}})");
  auto view = message_view(m, [](const json::object& s) {
    return "name of " + std::to_string(s.at("user_id").as_int64());
  });
  EXPECT_EQ(
      json::serialize(view),
      R"({"id":1048576,"chat_id":1001,"sender":"name of 501","date":"2026-01-01T00:00:00Z","text":"hi there"})");
  const auto photo = parsed(R"({"id":2,"chat_id":1,"date":0,
    "content":{"@type":"messagePhoto","caption":{"@type":"formattedText","text":"look"}}})");
  EXPECT_EQ(message_view(photo, {}).at("text"), "[photo] look");
  const auto chat = parsed(R"({"@type":"chat","id":1002,"title":"Book Club","unread_count":3,
    "positions":[{"@type":"chatPosition","order":"9221294780217032704"}],
    "last_message":{"id":7,"date":1767225660,"content":{"@type":"messageText","text":{"text":"see you"}}}})");
  EXPECT_EQ(
      json::serialize(chat_view(chat)),
      R"({"id":1002,"title":"Book Club","unread_count":3,"last_message":{"id":7,"text":"see you","date":"2026-01-01T00:01:00Z"}})");
}

TEST(TdCodecTest, Int64ValuesMayComeAsStrings) {
  const auto o = parsed(R"({"a":"9221294780217032704","b":42,"c":"x","d":true})");
  EXPECT_EQ(int_of(o, "a"), 9221294780217032704LL);
  EXPECT_EQ(int_of(o, "b"), 42);
  EXPECT_EQ(int_of(o, "c"), 0);
  EXPECT_EQ(int_of(o, "d"), 0);
  EXPECT_EQ(int_of(o, "missing"), 0);
}

TEST(TdCodecTest, TdlibErrorsBecomeProblems) {
  auto of = [](int code, const char* message) {
    return problem_of(json::object{{"@type", "error"}, {"code", code}, {"message", message}}).first;
  };
  EXPECT_EQ(of(400, "PHONE_CODE_INVALID"), gh_errc::validation);
  EXPECT_EQ(of(400, "Chat not found"), gh_errc::not_found);
  EXPECT_EQ(of(401, "Unauthorized"), gh_errc::conflict);
  EXPECT_EQ(of(403, "CHAT_WRITE_FORBIDDEN"), gh_errc::forbidden);
  EXPECT_EQ(of(429, "Too Many Requests: retry after 10"), gh_errc::rate_limited);
  EXPECT_EQ(of(500, "Request aborted"), gh_errc::provider_unavailable);
  const auto long_one = problem_of(json::object{{"code", 400}, {"message", std::string(300, 'm')}});
  EXPECT_EQ(long_one.second.find(std::string(201, 'm')), std::string::npos);
}

} // namespace
} // namespace gh::telegram
