// The front actor end to end: a real Gatehouse process with the run's PostgreSQL, Redis and
// NATS, spoken to over real sockets.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/text.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <map>
#include <optional>
#include <string>
#include <thread>

using namespace gh::test;
using namespace std::chrono_literals;

namespace {

class GatewayTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new gatehouse_process({{"GATEHOUSE_INSTANCE_ID", "gwtest"},
                                    {"GATEHOUSE_BODY_LIMIT", "4096"},
                                    {"GATEHOUSE_HEADER_LIMIT", "2048"},
                                    {"GATEHOUSE_READ_TIMEOUT", "700ms"},
                                    {"GATEHOUSE_IDLE_TIMEOUT", "700ms"},
                                    {"GATEHOUSE_WS_RATE", "20"},
                                    {"GATEHOUSE_REGISTER_RATE", "1000"}});
    // The console is for signed-in users only: the WebSocket tests sign one up.
    token = signed_up_token(server->port());
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  static uint16_t port() { return server->port(); }

  /// Polls /readyz until it answers `status`.
  static http_reply wait_ready(uint16_t p, int status) {
    http_reply r;
    for (int i = 0; i < 150; ++i) {
      r = http_call(p, "GET", "/readyz");
      if (r.status == status)
        break;
      std::this_thread::sleep_for(100ms);
    }
    return r;
  }

  static gatehouse_process* server;
  static inline std::string token;
};

gatehouse_process* GatewayTest::server = nullptr;

} // namespace

TEST_F(GatewayTest, HealthzAnswersWithSecurityHeaders) {
  auto r = http_call(port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["x-request-id"].size(), 32U);
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(r.headers["x-frame-options"], "DENY");
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  EXPECT_NE(r.headers["content-security-policy"].find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(r.headers.count("server"), 0U);
}

TEST_F(GatewayTest, ReadyzReportsEachDependency) {
  auto r = wait_ready(port(), 200);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("postgres").as_string(), "ok");
  EXPECT_EQ(v.at("redis").as_string(), "ok");
  EXPECT_EQ(v.at("nats").as_string(), "ok");
}

TEST_F(GatewayTest, UnknownRouteIsAProblemWithRequestId) {
  auto r =
      http_call(port(), "GET", "/no/such/route?token=secret", {}, {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");
  EXPECT_EQ(r.headers["x-request-id"], "trace-42");
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("type").as_string(), "https://gatehouse.dev/problems/not-found");
  EXPECT_EQ(v.at("status").as_int64(), 404);
  EXPECT_EQ(v.at("request_id").as_string(), "trace-42");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);

  auto insane = http_call(port(), "GET", "/x", {}, {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_NE(insane.headers["x-request-id"], "bad id with spaces");
  EXPECT_EQ(insane.headers["x-request-id"].size(), 32U);
}

TEST_F(GatewayTest, WrongMethodIs405WithAllow) {
  auto r = http_call(port(), "DELETE", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, HEAD");
  EXPECT_EQ(boost::json::parse(r.body).as_object().at("status").as_int64(), 405);
}

TEST_F(GatewayTest, WebSocketPathWithoutUpgradeIs426) {
  auto r = http_call(port(), "GET", "/api/v1/ws");
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.headers["upgrade"], "websocket");
}

TEST_F(GatewayTest, MetricsCountRequestsByRouteAndStatus) {
  for (int i = 0; i < 3; ++i)
    http_call(port(), "GET", "/readyz");
  auto r = http_call(port(), "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers["content-type"].find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(
      r.body.find("gatehouse_http_requests_total{route=\"/readyz\",method=\"GET\",status=\"200\"}"),
      std::string::npos);
  EXPECT_NE(r.body.find("gatehouse_http_request_duration_seconds_bucket{route=\"/readyz\""),
            std::string::npos);
  EXPECT_NE(r.body.find("gatehouse_dependency_up{dependency=\"nats\"} 1"), std::string::npos);
  EXPECT_NE(r.body.find("gatehouse_websockets_open"), std::string::npos);
  EXPECT_NE(r.body.find("gatehouse_actors"), std::string::npos);
}

TEST_F(GatewayTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::string raw = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n"
                          "GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\n\r\n"
                          "GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-Id: three\r\n"
                          "Connection: close\r\n\r\n";
  auto out = raw_exchange(port(), raw);
  auto one = out.find("X-Request-Id: one");
  auto two = out.find("X-Request-Id: two");
  auto three = out.find("X-Request-Id: three");
  ASSERT_NE(one, std::string::npos) << out;
  ASSERT_NE(two, std::string::npos) << out;
  ASSERT_NE(three, std::string::npos) << out;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_EQ(gh::test::count_of(out, "HTTP/1.1 "), 3);
  EXPECT_NE(out.find("HTTP/1.1 404"), std::string::npos);
}

TEST_F(GatewayTest, MalformedRequestIs400AndClosed) {
  auto out = raw_exchange(port(), "BLAH\x01 /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << out;
  EXPECT_NE(out.find("application/problem+json"), std::string::npos);
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
}

TEST_F(GatewayTest, OversizedBodyIs413) {
  auto r = http_call(port(), "POST", "/healthz", std::string(8192, 'x'),
                     {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(boost::json::parse(r.body).as_object().at("type").as_string(),
            "https://gatehouse.dev/problems/payload-too-large");
}

TEST_F(GatewayTest, OversizedHeadersAre431) {
  auto r = http_call(port(), "GET", "/healthz", {}, {{"X-Big", std::string(4096, 'h')}});
  EXPECT_EQ(r.status, 431);
}

TEST_F(GatewayTest, SlowClientGets408) {
  // Half a request line, then silence past GATEHOUSE_READ_TIMEOUT.
  auto start = std::chrono::steady_clock::now();
  auto out = raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", 5s);
  EXPECT_EQ(out.rfind("HTTP/1.1 408", 0), 0U) << out;
  EXPECT_NE(out.find("request-timeout"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(GatewayTest, IdleConnectionIsClosedWithoutAnAnswer) {
  auto start = std::chrono::steady_clock::now();
  auto out = raw_exchange(port(), "", 5s);
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

/// True when `frame` is a console reply with this id (`"id":7` or `"id":"x"`) and `ok`.
bool answers(const std::optional<std::string>& frame, const std::string& id, bool ok = true) {
  return frame && frame->find(R"({"id":)" + id + R"(,"ok":)" + (ok ? "true" : "false")) == 0;
}

TEST_F(GatewayTest, WebSocketAnswersConsoleFramesAndPings) {
  ws_client ws{port(), ws_bearer(token)};
  ws.send_text(R"({"id":7,"line":"/help"})");
  EXPECT_TRUE(answers(ws.read(), "7"));
  EXPECT_TRUE(ws.ping_pong());
  ws.close();
  EXPECT_EQ(ws.close_code(), 1000);
}

TEST_F(GatewayTest, WebSocketAnswersMalformedFramesWithAProblem) {
  ws_client ws{port(), ws_bearer(token)};
  ws.send_text("{not json");
  auto reply = ws.read();
  ASSERT_TRUE(reply);
  auto v = boost::json::parse(*reply).as_object();
  EXPECT_FALSE(v.at("ok").as_bool());
  EXPECT_EQ(v.at("error").as_object().at("status").as_int64(), 400);
  // The connection stays usable.
  ws.send_text(R"({"id":1,"cmd":"help"})");
  EXPECT_TRUE(answers(ws.read(), "1"));
}

TEST_F(GatewayTest, WebSocketRefusesATwoMebibyteFrameWith1009) {
  ws_client ws{port(), ws_bearer(token)};
  ws.send_text(std::string(2 * 1024 * 1024, 'a'));
  EXPECT_FALSE(ws.read(10s));
  EXPECT_EQ(ws.close_code(), 1009);
}

TEST_F(GatewayTest, WebSocketJoinsFragmentsAndCountsThemAgainstTheMessageLimit) {
  ws_client ws{port(), ws_bearer(token)};
  const std::string small = R"({"id":3,"line":"/help )" + std::string(3000, 'x') + R"("})";
  ws.send_fragmented(small, 3);
  // One message: one answer (help takes no argument, so a problem naming the frame's id).
  EXPECT_TRUE(answers(ws.read(), "3", false));
  // Three frames of 512 KiB each stay under the limit one by one, not together.
  ws.send_fragmented(std::string(3 * 512 * 1024, 'a'), 3);
  EXPECT_FALSE(ws.read(10s));
  EXPECT_EQ(ws.close_code(), 1009);
}

TEST_F(GatewayTest, WebSocketClosesBinaryFramesWith1003) {
  ws_client ws{port(), ws_bearer(token)};
  ws.send_binary("\x01\x02");
  EXPECT_FALSE(ws.read());
  EXPECT_EQ(ws.close_code(), 1003);
}

/// A raw WebSocket upgrade of /api/v1/ws with `extra` header lines that the server refuses; its
/// answer.
std::string upgrade(uint16_t port, const std::string& extra) {
  return raw_exchange(port,
                      "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                          extra + "Connection: close\r\n\r\n",
                      2s);
}

TEST_F(GatewayTest, WebSocketNeedsASignedInUser) {
  auto none = upgrade(port(), "");
  EXPECT_EQ(none.rfind("HTTP/1.1 401", 0), 0U) << none;
  EXPECT_NE(none.find("application/problem+json"), std::string::npos) << none;
  EXPECT_NE(none.find("WWW-Authenticate: Bearer"), std::string::npos) << none;
  auto forged = upgrade(port(), "Sec-WebSocket-Protocol: bearer, " + token + "x\r\n");
  EXPECT_EQ(forged.rfind("HTTP/1.1 401", 0), 0U) << forged;
  auto wrong_scheme = upgrade(port(), "Sec-WebSocket-Protocol: basic, " + token + "\r\n");
  EXPECT_EQ(wrong_scheme.rfind("HTTP/1.1 401", 0), 0U) << wrong_scheme;
  EXPECT_THROW(ws_client(port(), {}), std::exception);

  ws_client ws{port(), ws_bearer(token)};
  EXPECT_EQ(ws.protocol(), "bearer");
  ws.send_text(R"({"id":1,"cmd":"help"})");
  EXPECT_TRUE(answers(ws.read(), "1"));
}

TEST_F(GatewayTest, WebSocketWithCookiesNeedsOurOrigin) {
  const auto cookie = "Cookie: gh_access=" + token + "\r\n";
  auto foreign = upgrade(port(), cookie + "Origin: https://evil.example\r\n");
  EXPECT_EQ(foreign.rfind("HTTP/1.1 403", 0), 0U) << foreign;
  auto no_origin = upgrade(port(), cookie);
  EXPECT_EQ(no_origin.rfind("HTTP/1.1 403", 0), 0U) << no_origin;
  ws_client ws{port(), {{"Cookie", "gh_access=" + token}, {"Origin", "http://127.0.0.1:8080"}}};
  EXPECT_EQ(ws.protocol(), "");
  ws.send_text(R"({"id":2,"cmd":"help"})");
  EXPECT_TRUE(answers(ws.read(), "2"));
}

TEST_F(GatewayTest, WebSocketFrameRateIsLimited) {
  ws_client ws{port(), ws_bearer(token)};
  for (int i = 0; i < 60; ++i)
    ws.send_text(R"({"id":)" + std::to_string(i) + R"(,"cmd":"help"})");
  int limited = 0;
  for (int i = 0; i < 60; ++i) {
    auto reply = ws.read();
    ASSERT_TRUE(reply);
    if (reply->find("rate-limited") != std::string::npos)
      ++limited;
  }
  EXPECT_GT(limited, 0);
  EXPECT_LT(limited, 60);
}

TEST_F(GatewayTest, ServesTheNatsMicroServiceProtocol) {
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, required_env("NATS_URL").c_str()), NATS_OK);
  auto request = [&](const char* subject) -> boost::json::object {
    natsMsg* reply = nullptr;
    EXPECT_EQ(natsConnection_RequestString(&reply, nc, subject, "", 5000), NATS_OK) << subject;
    if (reply == nullptr)
      return {};
    auto v = boost::json::parse(std::string_view{
        natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply))});
    natsMsg_Destroy(reply);
    return v.as_object();
  };
  auto ping = request("$SRV.PING.gatehouse.gwtest");
  EXPECT_EQ(ping["type"].as_string(), "io.nats.micro.v1.ping_response");
  EXPECT_EQ(ping["name"].as_string(), "gatehouse");
  EXPECT_EQ(ping["id"].as_string(), "gwtest");
  auto info = request("$SRV.INFO.gatehouse.gwtest");
  EXPECT_EQ(info["type"].as_string(), "io.nats.micro.v1.info_response");
  // Queue group `q` (one instance answers), except the verbs every instance answers itself.
  std::map<std::string, std::string> endpoints;
  for (const auto& ep : info["endpoints"].as_array()) {
    const auto* group = ep.as_object().if_contains("queue_group");
    endpoints[std::string{ep.at("subject").as_string()}] =
        group == nullptr ? "" : std::string{group->as_string()};
  }
  EXPECT_EQ(endpoints, (std::map<std::string, std::string>{
                           {"gatehouse.ops.health", "q"},
                           {"gatehouse.ops.stats", "q"},
                           {"gatehouse.ops.instances", ""},
                           {"gatehouse.ops.instance.gwtest.drain", ""},
                           {"gatehouse.ops.dlq.replay", "q"},
                           {"gatehouse.ops.stripe.reconcile", "q"},
                       }));
  EXPECT_EQ(info["endpoints"].as_array()[0].as_object().at("subject").as_string(),
            "gatehouse.ops.health");
  auto health = request("gatehouse.ops.health");
  EXPECT_EQ(health["postgres"].as_string(), "ok");
  auto stats = request("$SRV.STATS.gatehouse.gwtest");
  EXPECT_EQ(stats["type"].as_string(), "io.nats.micro.v1.stats_response");
  EXPECT_GE(stats["endpoints"].as_array()[0].as_object().at("num_requests").as_int64(), 1);
  EXPECT_FALSE(stats["started"].as_string().empty());
  natsConnection_Destroy(nc);
}

TEST_F(GatewayTest, NatsMonitoringShowsTheConnectionAndStreams) {
  auto monitor = required_env("NATS_MONITOR_URL");
  const auto mport = static_cast<uint16_t>(std::stoi(monitor.substr(monitor.rfind(':') + 1)));
  auto connz = http_call(mport, "GET", "/connz");
  EXPECT_NE(connz.body.find("gatehouse-gwtest"), std::string::npos);
  auto jsz = http_call(mport, "GET", "/jsz?streams=true");
  for (auto stream : {"USERS", "PAYMENTS", "FILES", "EMAIL", "RECORDS", "IDP", "DLQ"})
    EXPECT_NE(jsz.body.find(std::string{"\""} + stream + "\""), std::string::npos) << stream;
}

TEST(ReadinessTest, FollowsRedisDownAndBackWithoutRestart) {
  redis_server redis;
  gatehouse_process server{{{"REDIS_URL", redis.url()}}};
  auto poll = [&](int status) {
    http_reply r;
    for (int i = 0; i < 150; ++i) {
      r = http_call(server.port(), "GET", "/readyz");
      if (r.status == status)
        break;
      std::this_thread::sleep_for(100ms);
    }
    return r;
  };
  ASSERT_EQ(poll(200).status, 200);
  redis.stop();
  auto down = poll(503);
  ASSERT_EQ(down.status, 503) << down.body;
  auto v = boost::json::parse(down.body).as_object();
  EXPECT_EQ(v.at("redis").as_string(), "down");
  EXPECT_EQ(v.at("postgres").as_string(), "ok");
  redis.start();
  auto up = poll(200);
  EXPECT_EQ(up.status, 200) << up.body;
}
