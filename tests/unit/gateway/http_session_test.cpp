// The front actor in-process, over real loopback sockets, with routes served by a test handler
// actor: body checks (415, 400), the responder contract (fail -> problem, dropped -> 500, late
// -> 503) and draining a request in flight at shutdown.

#include "gateway/server.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <gtest/gtest.h>

#include <thread>

using namespace gh;
using namespace gh::test;
using namespace std::chrono_literals;

namespace {

struct handler_state {
  std::vector<std::shared_ptr<responder>> held; ///< Requests /hang never answers.
};

using handler_pointer = http_handler_actor::stateful_pointer<handler_state>;

http_handler_actor::behavior_type test_handler(handler_pointer self,
                                               std::chrono::milliseconds slow) {
  return {
      [self, slow](http_request& req) {
        if (req.route == "/echo/{name}") {
          req.reply->respond(
              {201, "application/json", req.body, {{"X-Name", std::string{req.param("name")}}}});
        } else if (req.route == "/conflict") {
          req.reply->fail(gh_errc::conflict, "already there", {{"name", "is taken"}});
        } else if (req.route == "/drop") {
          // Dropping the request destroys its responder: the client gets a 500.
        } else if (req.route == "/hang") {
          self->state.held.push_back(req.reply);
        } else if (req.route == "/slow") {
          req.route = "/echo/{name}";
          self->delayed_send(self, slow, std::move(req));
        }
      },
  };
}

class HttpSessionTest : public testing::Test {
protected:
  static caf::actor_system_config& quiet(caf::actor_system_config& cfg) {
    cfg.set("logger.console", caf::atom("none"));
    cfg.set("scheduler.max-threads", size_t{2});
    return cfg;
  }

  HttpSessionTest() : sys(quiet(cfg)) {
    handler = sys.spawn(test_handler, std::chrono::milliseconds{400});
    ctx.limits.handler_timeout = 500ms;
    ctx.limits.read_timeout = 700ms;
    ctx.limits.idle_timeout = 1500ms;
    ctx.limits.shutdown_grace = 5s;
    ctx.limits.io_threads = 2;
    ctx.stats = &stats;
    ctx.routes.add({"POST", "/echo/{name}", handler, body_kind::json,
                    stats.add_route("POST", "/echo/{name}")});
    for (const char* path : {"/conflict", "/drop", "/hang", "/slow"})
      ctx.routes.add({"GET", path, handler, body_kind::none, stats.add_route("GET", path)});
    front = std::make_unique<server>(ctx);
    port = front->bind("127.0.0.1", 0).port();
    runner = std::thread{[this] { front->run({}); }};
  }

  ~HttpSessionTest() override {
    front->request_stop();
    runner.join();
    front.reset();
    caf::anon_send_exit(handler, caf::exit_reason::user_shutdown);
    ctx.routes = {};
    handler = nullptr;
  }

  HttpSessionTest(const HttpSessionTest&) = delete;
  HttpSessionTest& operator=(const HttpSessionTest&) = delete;

  static std::string slug(const http_reply& r) {
    return std::string{boost::json::parse(r.body).as_object().at("type").as_string()};
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  metrics stats;
  gateway_context ctx;
  http_handler_actor handler;
  std::unique_ptr<server> front;
  std::thread runner;
  uint16_t port = 0;
};

/// A blocking client connection that keeps its socket between requests, to see what the
/// server does on one keep-alive connection over time.
class raw_connection {
public:
  explicit raw_connection(uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }

  void send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  boost::beast::http::response<boost::beast::http::string_body> response() {
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(socket_, buffer_, res);
    return res;
  }

  /// Blocks until the server closes the connection; true if it sent nothing more before that.
  bool closed_quietly() {
    std::array<char, 256> scratch{};
    boost::system::error_code ec;
    const auto n = socket_.read_some(boost::asio::buffer(scratch), ec);
    return n == 0 && buffer_.size() == 0 && ec == boost::asio::error::eof;
  }

private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

} // namespace

TEST_F(HttpSessionTest, JsonRouteGetsTheBodyAndParams) {
  auto r = http_call(port, "POST", "/echo/alice", R"({"a":[1,2]})",
                     {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":[1,2]})");
  EXPECT_EQ(r.headers["x-name"], "alice");
  EXPECT_EQ(stats.http_count(1, 201), 1U);
}

TEST_F(HttpSessionTest, JsonRouteRefusesOtherMediaTypesWith415) {
  auto r = http_call(port, "POST", "/echo/a", "a=1",
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(slug(r), "https://gatehouse.dev/problems/unsupported-media-type");
  auto missing = http_call(port, "POST", "/echo/a", "{}");
  EXPECT_EQ(missing.status, 415);
}

TEST_F(HttpSessionTest, MalformedJsonIs400NamingTheBody) {
  for (std::string body : {"{", "{\"a\":1,}", "[1,2", "\"\xff\"", "{\"a\":1,\"a\":2}", ""}) {
    auto r = http_call(port, "POST", "/echo/a", body, {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 400) << body;
    auto v = boost::json::parse(r.body).as_object();
    EXPECT_EQ(v.at("type").as_string(), "https://gatehouse.dev/problems/validation");
    EXPECT_EQ(v.at("errors").as_array()[0].as_object().at("field").as_string(), "body");
  }
}

TEST_F(HttpSessionTest, HandlerFailureBecomesItsProblem) {
  auto r = http_call(port, "GET", "/conflict");
  EXPECT_EQ(r.status, 409);
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("type").as_string(), "https://gatehouse.dev/problems/conflict");
  EXPECT_EQ(v.at("detail").as_string(), "already there");
  EXPECT_EQ(v.at("errors").as_array()[0].as_object().at("message").as_string(), "is taken");
}

TEST_F(HttpSessionTest, DroppedRequestIs500WithoutInternals) {
  auto r = http_call(port, "GET", "/drop");
  EXPECT_EQ(r.status, 500);
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("type").as_string(), "https://gatehouse.dev/problems/internal");
  EXPECT_EQ(v.at("request_id").as_string(), r.headers["x-request-id"]);
}

TEST_F(HttpSessionTest, UnansweredRequestTimesOutWith503) {
  const auto start = std::chrono::steady_clock::now();
  auto r = http_call(port, "GET", "/hang");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(slug(r), "https://gatehouse.dev/problems/provider-unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(HttpSessionTest, ShutdownLetsTheRequestInFlightFinish) {
  http_reply r;
  std::thread client{[&] { r = http_call(port, "GET", "/slow", "{\"late\":true}"); }};
  std::this_thread::sleep_for(150ms); // the request is with the actor now
  front->request_stop();
  client.join();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_EQ(r.body, "{\"late\":true}");
}

TEST_F(HttpSessionTest, RequestArrivingInPiecesIsAnswered) {
  raw_connection c{port};
  c.send("POST /echo/bob HTTP/1.1\r\nHost: x\r\nContent-Ty");
  std::this_thread::sleep_for(100ms);
  c.send("pe: application/json\r\nContent-Length: 12\r\n\r\n{\"pie");
  std::this_thread::sleep_for(100ms);
  c.send("ces\":2}");
  auto res = c.response();
  EXPECT_EQ(res.result_int(), 201U);
  EXPECT_EQ(res.body(), R"({"pieces":2})");
  EXPECT_EQ(res["X-Name"], "bob");
}

TEST_F(HttpSessionTest, KeepAliveConnectionStillTimesOutItsHandler) {
  // Answered requests first, so the connection's deadline has moved several times, then one
  // the handler never answers: 503 after GATEHOUSE_HANDLER_TIMEOUT (500 ms here), not later.
  raw_connection c{port};
  for (int i = 0; i < 3; ++i) {
    c.send("GET /conflict HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.response().result_int(), 409U);
  }
  const auto start = std::chrono::steady_clock::now();
  c.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.response();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(res.result_int(), 503U);
  EXPECT_GE(waited, 450ms);
  EXPECT_LT(waited, 1200ms); // the idle deadline (1.5 s) must not stand in for it
  EXPECT_TRUE(c.closed_quietly());
}

TEST_F(HttpSessionTest, KeepAliveConnectionStallingMidRequestGets408) {
  raw_connection c{port};
  c.send("GET /conflict HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.response().result_int(), 409U);
  const auto start = std::chrono::steady_clock::now();
  c.send("GET /conflict HTTP/1.1\r\nHo");
  auto res = c.response();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(res.result_int(), 408U);
  EXPECT_GE(waited, 650ms);
  EXPECT_LT(waited, 1200ms); // GATEHOUSE_READ_TIMEOUT (700 ms here), not the idle one
}

TEST_F(HttpSessionTest, KeepAliveConnectionIsClosedWhenIdle) {
  // The idle deadline (1.5 s here) counts from the last answer, not from the first request.
  raw_connection c{port};
  for (int i = 0; i < 3; ++i) {
    c.send("GET /conflict HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.response().result_int(), 409U);
    std::this_thread::sleep_for(400ms);
  }
  const auto start = std::chrono::steady_clock::now() - 400ms;
  EXPECT_TRUE(c.closed_quietly());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 1450ms);
  EXPECT_LT(waited, 2500ms);
}
