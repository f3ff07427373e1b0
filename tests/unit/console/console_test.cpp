// The console actor under CAF's deterministic scheduler: frames in, replies out through a
// recording sink; REST requests answered through a recording responder.
#include "actors/console/console.hpp"

#include "messages/type_ids.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace gh;
using namespace gh::console;

namespace {

class recording_sink final : public connection_sink {
public:
  explicit recording_sink(uint64_t id) : id_(id) {}
  uint64_t connection_id() const noexcept override { return id_; }
  void push(shared_frame frame) override {
    std::lock_guard lock{mutex_};
    frames.push_back(*frame);
  }
  void close(ws_close /*code*/, std::string /*reason*/) override { closed = true; }

  std::vector<std::string> frames;
  bool closed = false;

private:
  uint64_t id_;
  std::mutex mutex_;
};

class recording_responder final : public responder {
public:
  void respond(http_response res) override { answers.push_back(std::move(res)); }
  void fail(gh_errc code, std::string, std::vector<field_error>) override {
    failures.push_back(code);
  }
  std::vector<http_response> answers;
  std::vector<gh_errc> failures;
};

boost::json::object parsed(const std::string& frame) {
  return boost::json::parse(frame).as_object();
}

principal user(std::string id) {
  principal p;
  p.type = principal::kind::user;
  p.user_id = std::move(id);
  p.tenant_id = "t";
  return p;
}

class ConsoleTest : public testing::Test {
protected:
  static caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.console", caf::atom("none"));
    return cfg;
  }

  ConsoleTest()
      : sys(testing_config(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    auto registry = std::make_shared<command_registry>();
    // Answers at once with who called and with what.
    registry->add({"whoami", {{"word", arg_kind::word, false, 0, 0}}, "echo", [](command_call&& c) {
                     boost::json::object o{{"user", c.who.user_id}, {"args", c.args}};
                     c.reply->result(boost::json::serialize(o), {{"Set-Cookie", "a=b"}});
                   }});
    // Keeps its reply until the test answers it.
    registry->add({"hold", {}, "held", [this](command_call&& c) { held.push_back(c.reply); }});
    // Drops its reply unanswered.
    registry->add({"drop", {}, "dropped", [](command_call&&) {}});
    registry->add({"fail", {}, "fails", [](command_call&& c) {
                     c.reply->fail(gh_errc::not_found, "no such thing");
                   }});
    console_options o;
    o.commands = registry;
    o.max_in_flight = 2;
    o.deadline = deadline;
    console = spawn_console(sys, o);
    sched.run();
  }

  ~ConsoleTest() override {
    held.clear();
    caf::anon_send_exit(console, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void frame(const std::shared_ptr<recording_sink>& sink, std::string text,
             const std::string& who = "u1") {
    caf::anon_send(console, ws_frame{sink->connection_id(), who, std::move(text), sink, user(who),
                                     "127.0.0.1"});
    sched.run();
  }

  std::chrono::milliseconds deadline{60000};
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::actor console;
  std::vector<std::shared_ptr<command_reply>> held;
};

} // namespace

TEST_F(ConsoleTest, RunsTypedLinesAndNamedCallsAsTheConnectionsUser) {
  auto sink = std::make_shared<recording_sink>(1);
  frame(sink, R"({"id":7,"line":"/whoami \"a b\""})");
  frame(sink, R"({"id":"x","cmd":"whoami","args":{"word":"c"}})", "u2");
  ASSERT_EQ(sink->frames.size(), 2U);
  auto first = parsed(sink->frames[0]);
  EXPECT_EQ(first.at("id").as_int64(), 7);
  EXPECT_TRUE(first.at("ok").as_bool());
  EXPECT_EQ(first.at("result").at("user").as_string(), "u1");
  EXPECT_EQ(first.at("result").at("args").at("word").as_string(), "a b");
  auto second = parsed(sink->frames[1]);
  EXPECT_EQ(second.at("id").as_string(), "x");
  EXPECT_EQ(second.at("result").at("user").as_string(), "u2");
}

TEST_F(ConsoleTest, AnswersEveryFailureWithAProblemAndNeverCloses) {
  auto sink = std::make_shared<recording_sink>(1);
  frame(sink, "not json");
  frame(sink, R"({"id":1,"line":"/nope"})");
  frame(sink, R"({"id":2,"cmd":"whoami","args":{"bad":1}})");
  frame(sink, R"({"id":3,"line":"/fail"})");
  frame(sink, R"({"id":4,"line":"/drop"})");
  ASSERT_EQ(sink->frames.size(), 5U);
  EXPECT_TRUE(parsed(sink->frames[0]).at("id").is_null());
  const int statuses[] = {400, 400, 400, 404, 500};
  for (std::size_t i = 0; i < 5; ++i) {
    auto reply = parsed(sink->frames[i]);
    EXPECT_FALSE(reply.at("ok").as_bool()) << sink->frames[i];
    EXPECT_EQ(reply.at("error").at("status").as_int64(), statuses[i]) << sink->frames[i];
  }
  EXPECT_EQ(parsed(sink->frames[1]).at("id").as_int64(), 1);
  EXPECT_FALSE(sink->closed);
}

TEST_F(ConsoleTest, LimitsCommandsInFlightPerConnection) {
  auto a = std::make_shared<recording_sink>(1);
  auto b = std::make_shared<recording_sink>(2);
  frame(a, R"({"id":1,"cmd":"hold"})");
  frame(a, R"({"id":2,"cmd":"hold"})");
  frame(a, R"({"id":3,"cmd":"hold"})");
  ASSERT_EQ(a->frames.size(), 1U);
  auto refused = parsed(a->frames[0]);
  EXPECT_EQ(refused.at("id").as_int64(), 3);
  EXPECT_EQ(refused.at("error").at("status").as_int64(), 429);
  // Another connection has slots of its own.
  frame(b, R"({"id":1,"cmd":"whoami"})");
  EXPECT_EQ(b->frames.size(), 1U);
  // An answer frees its slot; answering twice counts once.
  held[0]->result("1");
  held[0]->result("2");
  frame(a, R"({"id":4,"cmd":"hold"})");
  ASSERT_EQ(a->frames.size(), 2U);
  EXPECT_EQ(parsed(a->frames[1]).at("result").as_int64(), 1);
  frame(a, R"({"id":5,"cmd":"hold"})");
  EXPECT_EQ(parsed(a->frames.back()).at("error").at("status").as_int64(), 429);
}

TEST_F(ConsoleTest, AnswersCommandsPastTheirDeadline) {
  caf::anon_send_exit(console, caf::exit_reason::user_shutdown);
  sched.run();
  auto registry = std::make_shared<command_registry>();
  registry->add({"hold", {}, "held", [this](command_call&& c) { held.push_back(c.reply); }});
  console = spawn_console(sys, {registry, 8, std::chrono::milliseconds{0}, nullptr});
  sched.run();
  auto sink = std::make_shared<recording_sink>(1);
  frame(sink, R"({"id":9,"cmd":"hold"})");
  EXPECT_TRUE(sink->frames.empty());
  sched.trigger_timeouts();
  sched.run();
  ASSERT_EQ(sink->frames.size(), 1U);
  EXPECT_EQ(parsed(sink->frames[0]).at("error").at("status").as_int64(), 503);
  // The late answer is dropped.
  held[0]->result("1");
  EXPECT_EQ(sink->frames.size(), 1U);
}

TEST_F(ConsoleTest, AnswersRestRequestsWithTheSameReply) {
  auto reply = std::make_shared<recording_responder>();
  http_request req;
  req.method = "POST";
  req.route = "/api/v1/console";
  req.body = R"({"line":"/whoami"})";
  req.auth = user("u3");
  req.reply = reply;
  caf::anon_send(console, std::move(req));
  sched.run();
  ASSERT_EQ(reply->answers.size(), 1U);
  EXPECT_EQ(reply->answers[0].status, 200);
  auto body = parsed(reply->answers[0].body);
  EXPECT_TRUE(body.at("id").is_null());
  EXPECT_EQ(body.at("result").at("user").as_string(), "u3");
  // REST callers get the command's cookies (what /logout clears).
  ASSERT_EQ(reply->answers[0].headers.size(), 1U);
  EXPECT_EQ(reply->answers[0].headers[0].first, "Set-Cookie");

  auto anonymous = std::make_shared<recording_responder>();
  http_request anon;
  anon.body = R"({"line":"/whoami"})";
  anon.reply = anonymous;
  caf::anon_send(console, std::move(anon));
  sched.run();
  ASSERT_EQ(anonymous->failures.size(), 1U);
  EXPECT_EQ(anonymous->failures[0], gh_errc::unauthorized);
}
