// The console over the real WebSocket and REST: Gatehouse as a process with a scratch database,
// a nats-server of the suite's own and the fake Stripe; every command, its errors and limits,
// pushes, cookie sessions, the page and its assets, and one user never reaching another's data.
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/text.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace gh::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using headers = std::map<std::string, std::string>;

constexpr const char* webhook_secret = "whsec_gatehouse_console_test";
constexpr const char* admin_key = "bootstrap-admin-key-for-console";

/// A browser-style session: the three cookies as a Cookie header, and the CSRF token.
struct cookie_session {
  std::string jar;
  std::string csrf;
};

class ConsoleTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/gh-console-XXXXXX";
    data_dir = ::mkdtemp(dir);
    db = new scratch_database;
    nats = new nats_server;
    stripe = new fake_stripe;
    port = free_port();
    origin = "http://127.0.0.1:" + std::to_string(port);
    server = new gatehouse_process({{"DATABASE_URL", db->url()},
                                    {"NATS_URL", nats->url()},
                                    {"GATEHOUSE_LISTEN", "127.0.0.1:" + std::to_string(port)},
                                    {"GATEHOUSE_PUBLIC_URL", origin},
                                    {"GATEHOUSE_DATA_DIR", data_dir},
                                    {"GATEHOUSE_REGISTER_RATE", "1000"},
                                    {"GATEHOUSE_LOGIN_RATE", "1000"},
                                    {"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", admin_key},
                                    {"STRIPE_SECRET_KEY", stripe->secret_key()},
                                    {"STRIPE_API_BASE", stripe->base_url()},
                                    {"STRIPE_WEBHOOK_SECRET", webhook_secret}});
    auto plan = http_call(port, "POST", "/api/v1/admin/plans",
                          R"({"name":"Pro","amount":1500,"currency":"EUR","interval":"month"})",
                          {{"Authorization", std::string{"ApiKey "} + admin_key},
                           {"Content-Type", "application/json"}});
    ASSERT_EQ(plan.status, 201) << plan.body;
    plan_id = std::string{json::parse(plan.body).at("id").as_string()};
  }

  static void TearDownTestSuite() {
    delete server;
    delete stripe;
    delete nats;
    delete db;
    std::filesystem::remove_all(data_dir);
  }

  /// `{"id", "line"}` on `ws`, and the reply with that id (pushes in between are skipped).
  static json::object run(ws_client& ws, const std::string& line, int64_t id) {
    ws.send_text(json::serialize(json::object{{"id", id}, {"line", line}}));
    return reply_to(ws, id);
  }

  static json::object reply_to(ws_client& ws, const json::value& id) {
    for (int i = 0; i < 20; ++i) {
      auto frame = ws.read(10s);
      if (!frame)
        break;
      auto o = json::parse(*frame).as_object();
      if (o.contains("ok") && o.at("id") == id)
        return o;
    }
    ADD_FAILURE() << "no reply with id " << json::serialize(id);
    return {};
  }

  static int status_of(const json::object& reply) {
    return static_cast<int>(reply.at("error").at("status").as_int64());
  }

  static http_reply console(const std::string& body, headers h) {
    h.emplace("Content-Type", "application/json");
    return http_call(port, "POST", "/api/v1/console", body, h);
  }

  /// Registers (or signs in) `email` in cookie mode; the cookies as a browser would keep them.
  static cookie_session cookie_login(const std::string& email, bool register_first) {
    const std::string body =
        R"({"email":")" + email + R"(","password":"correct horse battery","session":"cookie"})";
    const std::string path = register_first ? "/api/v1/auth/register" : "/api/v1/auth/login";
    const auto reply = raw_exchange(port, "POST " + path +
                                              " HTTP/1.1\r\nHost: x\r\n"
                                              "Content-Type: application/json\r\nConnection: "
                                              "close\r\nContent-Length: " +
                                              std::to_string(body.size()) + "\r\n\r\n" + body);
    cookie_session s;
    for (const char* name : {"gh_access", "gh_refresh", "gh_csrf"}) {
      const auto value = gh::test::set_cookie_value(reply, name);
      EXPECT_TRUE(value) << reply;
      if (!value)
        continue;
      s.jar += (s.jar.empty() ? "" : "; ") + std::string{name} + "=" + *value;
      if (std::string_view{name} == "gh_csrf")
        s.csrf = *value;
    }
    return s;
  }

  static std::string fresh_email(const std::string& who) {
    static int n = 0;
    return who + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "@example.com";
  }

  /// A new user's access token and id.
  static std::pair<std::string, std::string> sign_up() {
    auto token = signed_up_token(port);
    auto me =
        http_call(port, "GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + token}});
    return {token, std::string{json::parse(me.body).at("id").as_string()}};
  }

  static std::string scalar(const std::string& sql) { return db->scalar(sql); }

  /// Pays the checkout `checkout_id` at the fake Stripe and delivers the signed webhooks of the
  /// completed session and its new subscription.
  static void complete(const std::string& checkout_id) {
    EXPECT_EQ(pay_checkout(*stripe, port, webhook_secret,
                           scalar("SELECT stripe_session_id FROM checkouts WHERE id = '" +
                                  checkout_id + "'")),
              "");
  }

  static inline std::string data_dir;
  static inline scratch_database* db = nullptr;
  static inline nats_server* nats = nullptr;
  static inline fake_stripe* stripe = nullptr;
  static inline gatehouse_process* server = nullptr;
  static inline uint16_t port = 0;
  static inline std::string origin;
  static inline std::string plan_id;
};

TEST_F(ConsoleTest, EveryCommandAnswersOverTheSocketAndAPaymentIsPushed) {
  const auto [token, user_id] = sign_up();
  ws_client ws{port, ws_bearer(token)};

  auto help = run(ws, "/help", 1);
  ASSERT_TRUE(help.at("ok").as_bool()) << json::serialize(help);
  std::set<std::string> names;
  for (const auto& c : help.at("result").as_array())
    names.insert(std::string{c.at("command").as_string()});
  for (const char* expected : {"help", "me", "sessions", "plans", "checkout", "subscriptions",
                               "orgs", "orgs.create", "logout"})
    EXPECT_TRUE(names.contains(expected)) << expected;

  auto me = run(ws, "/me", 2);
  ASSERT_TRUE(me.at("ok").as_bool()) << json::serialize(me);
  EXPECT_EQ(me.at("result").at("id").as_string(), user_id);
  ws.send_text(R"({"id":"named","cmd":"me"})");
  EXPECT_EQ(reply_to(ws, "named").at("result").at("id").as_string(), user_id);

  auto sessions = run(ws, "/sessions", 3);
  ASSERT_TRUE(sessions.at("ok").as_bool());
  ASSERT_EQ(sessions.at("result").as_array().size(), 1U);
  EXPECT_TRUE(sessions.at("result").at(0).at("current").as_bool());

  auto plans = run(ws, "/plans", 4);
  ASSERT_TRUE(plans.at("ok").as_bool()) << json::serialize(plans);
  ASSERT_EQ(plans.at("result").as_array().size(), 1U);
  EXPECT_EQ(plans.at("result").at(0).at("id").as_string(), plan_id);

  // By name (any case) or by id; the reply carries Stripe's page.
  auto by_name = run(ws, "/checkout pro", 5);
  ASSERT_TRUE(by_name.at("ok").as_bool()) << json::serialize(by_name);
  EXPECT_TRUE(
      by_name.at("result").at("url").as_string().starts_with("https://checkout.stripe.com/"));
  auto by_id = run(ws, "/checkout " + plan_id, 6);
  ASSERT_TRUE(by_id.at("ok").as_bool()) << json::serialize(by_id);
  EXPECT_EQ(stripe->requests_to("POST", "/v1/checkout/sessions").size(), 2U);

  auto none = run(ws, "/subscriptions", 7);
  ASSERT_TRUE(none.at("ok").as_bool());
  EXPECT_TRUE(none.at("result").as_array().empty());

  // Organizations: the name is the rest of the line, quotes or not.
  auto no_orgs = run(ws, "/orgs", 71);
  ASSERT_TRUE(no_orgs.at("ok").as_bool()) << json::serialize(no_orgs);
  EXPECT_TRUE(no_orgs.at("result").as_array().empty());
  auto created = run(ws, "/orgs create Acme Research", 72);
  ASSERT_TRUE(created.at("ok").as_bool()) << json::serialize(created);
  EXPECT_EQ(created.at("result").at("name").as_string(), "Acme Research");
  EXPECT_EQ(created.at("result").at("role").as_string(), "owner");
  auto mine = run(ws, "/orgs", 73);
  ASSERT_EQ(mine.at("result").as_array().size(), 1U) << json::serialize(mine);
  EXPECT_EQ(mine.at("result").at(0).at("id"), created.at("result").at("id"));
  EXPECT_EQ(status_of(run(ws, "/orgs create", 74)), 400);
  auto files = run(ws, "/files", 75);
  ASSERT_TRUE(files.at("ok").as_bool()) << json::serialize(files);
  EXPECT_TRUE(files.at("result").at("items").as_array().empty());

  // The webhook lands; the payment arrives on this socket as a push.
  const auto checkout_id = std::string{by_name.at("result").at("checkout_id").as_string()};
  complete(checkout_id);
  std::optional<json::object> pushed;
  for (int i = 0; i < 10 && !pushed; ++i) {
    auto frame = ws.read(5s);
    ASSERT_TRUE(frame) << server->process().stderr_text();
    auto o = json::parse(*frame).as_object();
    if (o.contains("event") && o.at("event") == "payment.completed")
      pushed = o;
  }
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("data").at("checkout_id").as_string(), checkout_id);

  // /logout ends this session: the token no longer works.
  auto out = run(ws, "/logout", 8);
  ASSERT_TRUE(out.at("ok").as_bool()) << json::serialize(out);
  EXPECT_TRUE(out.at("result").is_null());
  EXPECT_TRUE(eventually(3s, [&, t = token] {
    return http_call(port, "GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + t}})
               .status == 401;
  }));
}

TEST_F(ConsoleTest, MalformedFramesAndBadCommandsGetProblemsAndTheSocketStaysOpen) {
  const auto [token, user_id] = sign_up();
  ws_client ws{port, ws_bearer(token)};
  ws.send_text("not json");
  auto bad = reply_to(ws, nullptr);
  EXPECT_EQ(status_of(bad), 400);
  EXPECT_EQ(bad.at("error").at("type").as_string(), "https://gatehouse.dev/problems/validation");
  ws.send_text("[1,2,3]");
  EXPECT_EQ(status_of(reply_to(ws, nullptr)), 400);

  EXPECT_EQ(status_of(run(ws, "/nope", 1)), 400);
  EXPECT_EQ(status_of(run(ws, "me", 2)), 400);
  EXPECT_EQ(status_of(run(ws, "/checkout", 3)), 400);
  EXPECT_EQ(status_of(run(ws, "/checkout a b", 4)), 400);
  EXPECT_EQ(status_of(run(ws, "/checkout \"open", 5)), 400);
  EXPECT_EQ(status_of(run(ws, "/checkout nosuchplan", 6)), 404);
  // A well-formed UUID that is no plan: the payments route's own 404.
  EXPECT_EQ(status_of(run(ws, "/checkout 00000000-0000-4000-8000-000000000000", 7)), 404);
  ws.send_text(R"({"id":8,"cmd":"checkout","args":{"plan":5}})");
  auto typed = reply_to(ws, 8);
  EXPECT_EQ(status_of(typed), 400);
  EXPECT_EQ(typed.at("error").at("errors").at(0).at("field").as_string(), "args.plan");
  ws.send_text(R"({"id":9,"cmd":"nope"})");
  EXPECT_EQ(status_of(reply_to(ws, 9)), 400);
  ws.send_text(R"({"id":10,"line":"/me","extra":true})");
  EXPECT_EQ(status_of(reply_to(ws, 10)), 400);
  ws.send_text(std::string{R"({"id":11,"line":"/me \u0007"})"});
  EXPECT_EQ(status_of(reply_to(ws, 11)), 400);

  // Over the console's frame limit (64 KiB) but under the socket's: 413, and still open.
  ws.send_text(R"({"id":12,"line":"/me )" + std::string(70 * 1024, 'x') + R"("})");
  EXPECT_EQ(status_of(reply_to(ws, nullptr)), 413);
  // A huge line inside the limit: refused by the parser.
  EXPECT_EQ(status_of(run(ws, "/checkout " + std::string(5000, 'p'), 13)), 400);

  EXPECT_TRUE(run(ws, "/me", 14).at("ok").as_bool());
  EXPECT_EQ(ws.close_code(), 0);
}

TEST_F(ConsoleTest, ABurstIsAnsweredFrameByFrameWithinTheLimits) {
  const auto [token, user_id] = sign_up();
  ws_client ws{port, ws_bearer(token)};
  constexpr int burst = 40;
  for (int i = 0; i < burst; ++i)
    ws.send_text(R"({"id":)" + std::to_string(i) + R"(,"line":"/sessions"})");
  // Every frame gets exactly one answer: its result, 429 for a ninth command in flight, or the
  // socket's own frame-rate refusal (id null). Nothing closes the socket.
  int answered = 0;
  int ok = 0;
  std::set<int64_t> ids;
  while (answered < burst) {
    auto frame = ws.read(10s);
    ASSERT_TRUE(frame) << "answered " << answered;
    auto o = json::parse(*frame).as_object();
    ++answered;
    if (o.at("ok").as_bool()) {
      ++ok;
    } else {
      EXPECT_EQ(status_of(o), 429) << *frame;
    }
    if (!o.at("id").is_null()) {
      EXPECT_TRUE(ids.insert(o.at("id").as_int64()).second) << "answered twice: " << *frame;
    }
  }
  EXPECT_GE(ok, 8);
  EXPECT_TRUE(run(ws, "/me", 1000).at("ok").as_bool());
  EXPECT_EQ(ws.close_code(), 0);
}

TEST_F(ConsoleTest, RestAnswersTheSameReplies) {
  const auto [token, user_id] = sign_up();
  const headers auth{{"Authorization", "Bearer " + token}};
  auto r = console(R"({"line":"/me"})", auth);
  ASSERT_EQ(r.status, 200) << r.body;
  auto reply = json::parse(r.body).as_object();
  EXPECT_TRUE(reply.at("id").is_null());
  EXPECT_TRUE(reply.at("ok").as_bool());
  EXPECT_EQ(reply.at("result").at("id").as_string(), user_id);

  r = console(R"({"id":5,"cmd":"plans"})", auth);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("id").as_int64(), 5);
  EXPECT_EQ(json::parse(r.body).at("result").as_array().size(), 1U);

  r = console(R"({"line":"/nope"})", auth);
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(json::parse(r.body).at("ok").as_bool());
  EXPECT_EQ(json::parse(r.body).at("error").at("status").as_int64(), 400);
  r = console(R"([1])", auth);
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body).at("id").is_null());

  EXPECT_EQ(console(R"({"line":"/me"})", {}).status, 401);
  EXPECT_EQ(console("not json", auth).status, 400); // the gateway's own body check
  EXPECT_EQ(http_call(port, "POST", "/api/v1/console", R"({"line":"/me"})", auth).status, 415);
}

TEST_F(ConsoleTest, CookieSessionsNeedCsrfOverRestAndOurOriginOnTheSocket) {
  const auto email = fresh_email("cookie");
  const auto s = cookie_login(email, true);
  ASSERT_FALSE(s.csrf.empty());
  EXPECT_EQ(console(R"({"line":"/me"})", {{"Cookie", s.jar}}).status, 403);
  auto r = console(R"({"line":"/me"})", {{"Cookie", s.jar}, {"X-CSRF-Token", s.csrf}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("result").at("email").as_string(), email);

  EXPECT_THROW((ws_client{port, {{"Cookie", s.jar}, {"Origin", "https://evil.example"}}}),
               std::exception);
  ws_client ws{port, {{"Cookie", s.jar}, {"Origin", origin}}};
  EXPECT_EQ(run(ws, "/me", 1).at("result").at("email").as_string(), email);

  // /logout over REST carries the cookies' removal, which a socket cannot.
  const std::string body = R"({"line":"/logout"})";
  const auto raw =
      raw_exchange(port, "POST /api/v1/console HTTP/1.1\r\nHost: x\r\nCookie: " + s.jar +
                             "\r\nX-CSRF-Token: " + s.csrf +
                             "\r\nContent-Type: application/json\r\nConnection: "
                             "close\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_NE(raw.find("HTTP/1.1 200"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Set-Cookie: gh_access=; Path=/; Max-Age=0"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("ok":true)"), std::string::npos) << raw;
  EXPECT_TRUE(eventually(3s, [&] {
    return http_call(port, "GET", "/api/v1/users/me", {}, {{"Cookie", s.jar}}).status == 401;
  }));
}

TEST_F(ConsoleTest, AUserNeverReachesAnothersData) {
  const auto [alice_token, alice_id] = sign_up();
  const auto [bob_token, bob_id] = sign_up();
  ws_client alice{port, ws_bearer(alice_token)};
  ws_client bob{port, ws_bearer(bob_token)};

  auto checkout = run(alice, "/checkout Pro", 1);
  ASSERT_TRUE(checkout.at("ok").as_bool()) << json::serialize(checkout);
  complete(std::string{checkout.at("result").at("checkout_id").as_string()});
  // Alice's push reaches Alice only.
  bool alice_pushed = false;
  for (int i = 0; i < 10 && !alice_pushed; ++i) {
    auto frame = alice.read(5s);
    alice_pushed = frame && frame->find("payment.completed") != std::string::npos;
  }
  EXPECT_TRUE(alice_pushed);

  // Bob's commands show Bob: his account, his sessions, no subscription, no checkout of Alice's.
  EXPECT_EQ(run(bob, "/me", 1).at("result").at("id").as_string(), bob_id);
  const auto bob_sessions = run(bob, "/sessions", 2);
  ASSERT_EQ(bob_sessions.at("result").as_array().size(), 1U);
  EXPECT_TRUE(bob_sessions.at("result").at(0).at("current").as_bool());
  ASSERT_TRUE(eventually(
      30s, [&] { return run(alice, "/subscriptions", 2).at("result").as_array().size() == 1; }));
  EXPECT_TRUE(run(bob, "/subscriptions", 3).at("result").as_array().empty());
  ASSERT_TRUE(run(alice, "/orgs create Alices", 3).at("ok").as_bool());
  EXPECT_TRUE(run(bob, "/orgs", 3).at("result").as_array().empty());
  // A frame naming another user changes nothing: commands run as the socket's user.
  bob.send_text(R"({"id":4,"cmd":"me","args":{"user_id":")" + alice_id + R"("}})");
  EXPECT_EQ(status_of(reply_to(bob, 4)), 400);
  bob.send_text(R"({"id":5,"line":"/me"})");
  auto next = bob.read(5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->find("payment.completed"), std::string::npos) << *next;
}

TEST_F(ConsoleTest, ThePageAndItsAssetsAreServedWithTheirPolicies) {
  auto page = http_call(port, "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["cache-control"], "no-cache");
  const auto csp = page.headers["content-security-policy"];
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(http_call(port, "GET", "/reset-password?token=abc").body, page.body);

  const auto refs = gh::test::attribute_values(page.body, {"src"});
  ASSERT_FALSE(refs.empty());
  ASSERT_TRUE(refs.front().starts_with("/assets/")) << refs.front();
  auto script = http_call(port, "GET", refs.front());
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(script.headers["cache-control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(script.headers["x-content-type-options"], "nosniff");

  auto missing = http_call(port, "GET", "/assets/console.000000000000.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers["content-type"], "application/problem+json");
  EXPECT_EQ(missing.headers["cache-control"], "no-store");
  // The API keeps its own policy.
  EXPECT_EQ(http_call(port, "GET", "/healthz").headers["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'");
}

} // namespace
} // namespace gh::test
