#include "actors/console/command_registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace gh;
using namespace gh::console;

namespace {

command_handler noop() {
  return [](command_call&&) {};
}

command_registry sample() {
  command_registry r;
  r.add({"me", {}, "your account", noop()});
  r.add({"checkout", {{"plan", arg_kind::word, true, 0, 0}}, "subscribe", noop()});
  r.add({"tg.chats", {{"n", arg_kind::integer, false, 1, 100}}, "chats", noop()});
  r.add({"tg.send",
         {{"chat", arg_kind::word, true, 0, 0}, {"text", arg_kind::rest, true, 0, 0}},
         "send",
         noop()});
  r.add({"tg", {}, "telegram status", noop()});
  return r;
}

resolved_command line(const command_registry& r, std::string_view text) {
  auto res = r.resolve_line(text);
  if (auto* e = std::get_if<command_error>(&res)) {
    ADD_FAILURE() << text << ": " << e->detail;
    return {};
  }
  return std::get<resolved_command>(res);
}

command_error line_error_of(const command_registry& r, std::string_view text) {
  auto res = r.resolve_line(text);
  if (auto* e = std::get_if<command_error>(&res))
    return *e;
  ADD_FAILURE() << text << " resolved";
  return {};
}

command_error call_error_of(const command_registry& r, std::string_view name,
                            const boost::json::object& args) {
  auto res = r.resolve_call(name, args);
  if (auto* e = std::get_if<command_error>(&res))
    return *e;
  ADD_FAILURE() << name << " resolved";
  return {};
}

} // namespace

TEST(CommandRegistryTest, ResolvesTheLongestCommandNameOfALine) {
  const auto r = sample();
  EXPECT_EQ(line(r, "/me").spec->name, "me");
  EXPECT_EQ(line(r, "/ME").spec->name, "me");
  EXPECT_EQ(line(r, "/tg").spec->name, "tg");
  auto chats = line(r, "/tg chats 5");
  EXPECT_EQ(chats.spec->name, "tg.chats");
  EXPECT_EQ(chats.args.at("n").as_int64(), 5);
  EXPECT_TRUE(line(r, "/tg Chats").args.empty());
}

TEST(CommandRegistryTest, BindsPositionalArgumentsByTheirGrammar) {
  const auto r = sample();
  EXPECT_EQ(line(r, "/checkout pro").args.at("plan").as_string(), "pro");
  EXPECT_EQ(line(r, R"(/checkout "Pro plan")").args.at("plan").as_string(), "Pro plan");
  auto send = line(r, R"(/tg send "Alice Smith" hello   there "a  b")");
  EXPECT_EQ(send.args.at("chat").as_string(), "Alice Smith");
  EXPECT_EQ(send.args.at("text").as_string(), "hello there a  b");
}

TEST(CommandRegistryTest, ExplainsWhatIsWrongWithALine) {
  const auto r = sample();
  EXPECT_EQ(line_error_of(r, "me").errors.at(0).field, "line");
  EXPECT_EQ(line_error_of(r, "/").errors.at(0).field, "line");
  EXPECT_NE(line_error_of(r, "/nope").detail.find("unknown command /nope"), std::string::npos);
  auto missing = line_error_of(r, "/checkout");
  EXPECT_NE(missing.detail.find("usage: /checkout <plan>"), std::string::npos) << missing.detail;
  EXPECT_EQ(missing.errors.at(0).field, "args.plan");
  EXPECT_EQ(line_error_of(r, "/checkout a b").errors.at(0).message, "too many arguments");
  EXPECT_EQ(line_error_of(r, "/me now").errors.at(0).message, "too many arguments");
  for (const char* bad : {"/tg chats 0", "/tg chats 101", "/tg chats five", "/tg chats 5x",
                          "/tg chats 99999999999999999999"})
    EXPECT_EQ(line_error_of(r, bad).errors.at(0).field, "args.n") << bad;
  EXPECT_EQ(line_error_of(r, "/tg send Alice").errors.at(0).field, "args.text");
  EXPECT_EQ(line_error_of(r, "/checkout \"open").errors.at(0).field, "line");
  EXPECT_EQ(line_error_of(r, "").errors.at(0).field, "line");
  // Whatever the client sent, the detail quotes it only as printable ASCII.
  EXPECT_EQ(line_error_of(r, "/\xc3\xa9t\xc3\xa9").detail.find('\xc3'), std::string::npos);
}

TEST(CommandRegistryTest, ChecksNamedArgumentsOfACall) {
  const auto r = sample();
  auto ok = r.resolve_call("tg.send", {{"chat", "Alice"}, {"text", "hi"}});
  ASSERT_TRUE(std::holds_alternative<resolved_command>(ok));
  EXPECT_EQ(std::get<resolved_command>(ok).args.at("text").as_string(), "hi");
  auto n = r.resolve_call("tg.chats", {});
  ASSERT_TRUE(std::holds_alternative<resolved_command>(n));
  EXPECT_TRUE(std::get<resolved_command>(n).args.empty());

  EXPECT_EQ(call_error_of(r, "nope", {}).errors.at(0).field, "cmd");
  EXPECT_EQ(call_error_of(r, "ME", {}).errors.at(0).field, "cmd");
  EXPECT_EQ(call_error_of(r, "checkout", {}).errors.at(0).field, "args.plan");
  EXPECT_EQ(call_error_of(r, "checkout", {{"plan", 5}}).errors.at(0).message, "must be a string");
  EXPECT_EQ(call_error_of(r, "checkout", {{"plan", "a\nb"}}).errors.at(0).message,
            "holds a control character");
  EXPECT_EQ(call_error_of(r, "checkout", {{"plan", std::string(5000, 'a')}}).errors.size(), 1U);
  EXPECT_EQ(call_error_of(r, "checkout", {{"plan", "pro"}, {"extra", 1}}).errors.at(0).field,
            "args.extra");
  for (const auto& bad : {boost::json::value(0), boost::json::value(101), boost::json::value("5"),
                          boost::json::value(5.5)})
    EXPECT_EQ(call_error_of(r, "tg.chats", {{"n", bad}}).errors.at(0).field, "args.n");
  // Every problem at once.
  EXPECT_EQ(call_error_of(r, "tg.send", {{"x", 1}, {"chat", 2}}).errors.size(), 3U);
}

TEST(CommandRegistryTest, RefusesMalformedRegistrations) {
  command_registry r;
  r.add({"me", {}, "", noop()});
  EXPECT_THROW(r.add({"me", {}, "", noop()}), std::invalid_argument);
  for (const char* bad : {"", "Me", "a..b", ".a", "a.", "a b", "/me", "a.b.c.d.e"})
    EXPECT_THROW(r.add({bad, {}, "", noop()}), std::invalid_argument) << bad;
  EXPECT_THROW(r.add({"x", {}, "", {}}), std::invalid_argument);
  EXPECT_THROW(r.add({"y",
                      {{"a", arg_kind::rest, true, 0, 0}, {"b", arg_kind::word, true, 0, 0}},
                      "",
                      noop()}),
               std::invalid_argument);
  EXPECT_THROW(r.add({"z",
                      {{"a", arg_kind::word, false, 0, 0}, {"b", arg_kind::word, true, 0, 0}},
                      "",
                      noop()}),
               std::invalid_argument);
  EXPECT_THROW(r.add({"w", {{"n", arg_kind::integer, true, 5, 1}}, "", noop()}),
               std::invalid_argument);
  EXPECT_THROW(r.add({"v",
                      {{"a", arg_kind::word, true, 0, 0}, {"a", arg_kind::word, true, 0, 0}},
                      "",
                      noop()}),
               std::invalid_argument);
  EXPECT_EQ(r.size(), 1U);
}

TEST(CommandRegistryTest, HelpListsUsageInNameOrder) {
  const auto help = sample().help();
  ASSERT_EQ(help.size(), 5U);
  EXPECT_EQ(help[0].at("command").as_string(), "checkout");
  EXPECT_EQ(help[0].at("usage").as_string(), "/checkout <plan>");
  EXPECT_EQ(help[3].at("usage").as_string(), "/tg chats [n]");
  EXPECT_EQ(help[4].at("usage").as_string(), "/tg send <chat> <text…>");
}
