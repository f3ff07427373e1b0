// Outbound webhooks against real parts: the run's PostgreSQL (a scratch database per suite), a
// nats-server of the suite's own, Gatehouse as a process (development mode: loopback receivers
// over http are allowed) and receivers the tests start (tests/support/webhook_receiver.hpp).
// Signatures are verified with an implementation of the Standard Webhooks scheme of the test's
// own. The retry schedule is followed by moving `next_attempt_at` to now: the clock jumps.
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/webhook_receiver.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* bootstrap_key = "bootstrap-admin-key-for-webhooks";
constexpr const char* tenant = "00000000-0000-0000-0000-000000000001";

class WebhooksTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/gh-webhooks-XXXXXX";
    data_dir = ::mkdtemp(dir);
    db = new scratch_database();
    nats = new nats_server();
    nats->start();
    start_server();
    auto r = http_call(server->port(), "POST", "/api/v1/admin/api-keys",
                       R"({"name":"webhooks suite","scopes":["*"]})",
                       {{"Authorization", std::string{"ApiKey "} + bootstrap_key},
                        {"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 201) << r.body;
    root = std::string{json::parse(r.body).at("key").as_string()};
  }

  static void TearDownTestSuite() {
    if (std::getenv("GH_WEBHOOKS_DEBUG") != nullptr && server != nullptr)
      std::cerr << server->process().stderr_text();
    delete server;
    delete nats;
    delete db;
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
  }

  static void start_server() {
    server = new gatehouse_process({{"DATABASE_URL", db->url()},
                                    {"NATS_URL", nats->url()},
                                    {"GATEHOUSE_DATA_DIR", data_dir},
                                    {"GATEHOUSE_REGISTER_RATE", "1000"},
                                    {"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", bootstrap_key}});
  }

  static http_reply admin(const std::string& method, const std::string& target,
                          const std::string& body = {}, const std::string& key = root) {
    std::map<std::string, std::string> h{{"Authorization", "ApiKey " + key}};
    if (!body.empty())
      h.emplace("Content-Type", "application/json");
    return http_call(server->port(), method, target, body, h);
  }

  /// Registers an endpoint; its 201 body.
  static json::object endpoint(const std::string& url, const std::string& events) {
    auto r = admin("POST", "/api/v1/admin/webhooks",
                   R"({"url":")" + url + R"(","events":)" + events + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body).as_object() : json::object{};
  }

  static std::string str(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
  }

  static json::array deliveries(const std::string& endpoint_id, const std::string& query = {}) {
    auto r = admin("GET", "/api/v1/admin/webhooks/" + endpoint_id + "/deliveries" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body).at("items").as_array() : json::array{};
  }

  static pqxx::result sql(const std::string& text) {
    pqxx::connection conn{db->url()};
    return pqxx::nontransaction{conn}.exec(text);
  }

  static std::string scalar(const std::string& text) {
    auto r = sql(text);
    return r.empty() || r[0][0].is_null() ? std::string{} : r[0][0].as<std::string>();
  }

  /// Writes an event straight into the outbox (as a service would); its id.
  static std::string publish(const std::string& type, const std::string& data = "{}") {
    const auto id = scalar("SELECT gen_random_uuid()::text");
    sql("INSERT INTO outbox (id, subject, tenant_id, payload) VALUES ('" + id + "', '" + type +
        "', '" + tenant + "', jsonb_build_object('id', '" + id + "', 'type', '" + type +
        "', 'occurred_at', '2026-12-01T10:00:00.000Z', 'tenant_id', '" + tenant + "', 'data', '" +
        data + "'::jsonb))");
    return id;
  }

  /// The `webhook-id` of every request `rx` received.
  static std::set<std::string> ids_received(const webhook_receiver& rx) {
    std::set<std::string> ids;
    for (const auto& r : rx.requests())
      ids.insert(r.header("webhook-id"));
    return ids;
  }

  /// The clock jumps to the delivery's next attempt.
  static void advance(const std::string& endpoint_id) {
    sql("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending' AND "
        "endpoint_id = '" +
        endpoint_id + "'");
  }

  static int attempts_of(const std::string& endpoint_id, const std::string& event_id) {
    const auto a = scalar("SELECT attempts FROM webhook_deliveries WHERE endpoint_id = '" +
                          endpoint_id + "' AND event_id = '" + event_id + "'");
    return a.empty() ? 0 : std::stoi(a);
  }

  /// Seconds from the last attempt's record to the next attempt.
  static double gap_of(const std::string& endpoint_id, const std::string& event_id) {
    return std::stod(scalar(
        "SELECT extract(epoch FROM next_attempt_at - updated_at) FROM webhook_deliveries WHERE "
        "endpoint_id = '" +
        endpoint_id + "' AND event_id = '" + event_id + "'"));
  }

  static inline std::string data_dir;
  static inline scratch_database* db = nullptr;
  static inline nats_server* nats = nullptr;
  static inline gatehouse_process* server = nullptr;
  static inline std::string root;
};

TEST_F(WebhooksTest, OperatorSeesASignedUserCreatedDeliveredAndListedAsSucceeded) {
  webhook_receiver rx;
  const auto ep = endpoint(rx.url(), R"(["user.*"])");
  const auto secret = str(ep, "secret");
  ASSERT_TRUE(secret.starts_with("whsec_"));
  EXPECT_EQ(str(ep, "url"), rx.url());
  EXPECT_TRUE(ep.at("enabled").as_bool());
  // The secret is shown once: reading the endpoint never shows it, nor stores it in clear.
  auto shown = admin("GET", "/api/v1/admin/webhooks/" + str(ep, "id"));
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body.find("whsec_"), std::string::npos);
  EXPECT_EQ(scalar("SELECT count(*) FROM webhook_endpoints WHERE secret_sealed LIKE '%" +
                   secret.substr(6, 10) + "%'"),
            "0");

  const auto token = signed_up_token(server->port());
  ASSERT_TRUE(rx.wait_for(1, 20s));
  const auto got = rx.requests().front();
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/hook");
  EXPECT_EQ(got.header("content-type"), "application/json");
  const auto envelope = json::parse(got.body).as_object();
  EXPECT_EQ(str(envelope, "type"), "user.created");
  EXPECT_EQ(got.header("webhook-id"), str(envelope, "id"));
  const auto ts = std::stoll(got.header("webhook-timestamp"));
  EXPECT_LE(std::abs(ts - std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()),
            30);
  EXPECT_TRUE(standard_webhooks_valid(secret, got.header("webhook-id"),
                                      got.header("webhook-timestamp"), got.body,
                                      got.header("webhook-signature")))
      << got.header("webhook-signature");
  EXPECT_FALSE(standard_webhooks_valid(secret, got.header("webhook-id"),
                                       got.header("webhook-timestamp"), got.body + " ",
                                       got.header("webhook-signature")));

  ASSERT_TRUE(eventually(10s, [&] {
    auto items = deliveries(str(ep, "id"));
    return items.size() == 1 && str(items[0].as_object(), "status") == "succeeded";
  }));
  const auto item = deliveries(str(ep, "id"))[0].as_object();
  EXPECT_EQ(str(item, "event_id"), got.header("webhook-id"));
  EXPECT_EQ(str(item, "event_type"), "user.created");
  EXPECT_EQ(item.at("attempts").as_int64(), 1);
  EXPECT_EQ(item.at("last_status").as_int64(), 204);
  EXPECT_FALSE(item.contains("next_attempt_at"));
  auto metrics = http_call(server->port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("gatehouse_webhook_attempts_total{outcome=\"succeeded\"}"),
            std::string::npos);
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + str(ep, "id")).status, 204);
}

TEST_F(WebhooksTest, AReceiverThatFailsTwiceStillGetsItWithTheSameIdOnTheSchedule) {
  webhook_receiver rx;
  rx.answer_next(2, 500);
  const auto ep = endpoint(rx.url(), R"(["payment.completed"])");
  const auto id = str(ep, "id");
  const auto event = publish("payment.completed", R"({"user_id":"u"})");
  ASSERT_TRUE(rx.wait_for(1, 20s));
  ASSERT_TRUE(eventually(5s, [&] { return attempts_of(id, event) == 1; }));
  EXPECT_NEAR(gap_of(id, event), 5.0, 1.0); // the first retry comes after 5 s, by itself
  ASSERT_TRUE(rx.wait_for(2, 15s));
  ASSERT_TRUE(eventually(5s, [&] { return attempts_of(id, event) == 2; }));
  EXPECT_NEAR(gap_of(id, event), 300.0, 1.0);
  auto item = deliveries(id)[0].as_object();
  EXPECT_EQ(str(item, "status"), "pending");
  EXPECT_EQ(item.at("last_status").as_int64(), 500);
  EXPECT_EQ(str(item, "last_error"), "answered HTTP 500");
  advance(id);
  ASSERT_TRUE(rx.wait_for(3, 10s));
  ASSERT_TRUE(
      eventually(5s, [&] { return str(deliveries(id)[0].as_object(), "status") == "succeeded"; }));
  const auto all = rx.requests();
  ASSERT_EQ(all.size(), 3U);
  for (const auto& r : all) {
    EXPECT_EQ(r.header("webhook-id"), event);
    EXPECT_TRUE(standard_webhooks_valid(str(ep, "secret"), r.header("webhook-id"),
                                        r.header("webhook-timestamp"), r.body,
                                        r.header("webhook-signature")));
  }
  EXPECT_EQ(deliveries(id)[0].as_object().at("attempts").as_int64(), 3);
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, TheWholeScheduleEndsFailedAndAManualRetrySendsItAgain) {
  webhook_receiver rx;
  rx.answer_next(8, 503, 100000); // a long body, read up to the cap and discarded
  const auto ep = endpoint(rx.url(), R"(["payment.*"])");
  const auto id = str(ep, "id");
  const auto event = publish("payment.completed");
  const std::vector<double> gaps{5, 300, 1800, 7200, 18000, 36000, 36000};
  for (int attempt = 1; attempt <= 8; ++attempt) {
    ASSERT_TRUE(rx.wait_for(static_cast<std::size_t>(attempt), 20s)) << attempt;
    ASSERT_TRUE(eventually(5s, [&] { return attempts_of(id, event) == attempt; })) << attempt;
    if (attempt < 8) {
      EXPECT_NEAR(gap_of(id, event), gaps[static_cast<std::size_t>(attempt - 1)], 1.0);
      advance(id);
    }
  }
  auto item = deliveries(id, "?status=failed");
  ASSERT_EQ(item.size(), 1U);
  EXPECT_EQ(str(item[0].as_object(), "status"), "failed");
  EXPECT_FALSE(item[0].as_object().contains("next_attempt_at"));
  EXPECT_TRUE(deliveries(id, "?status=pending").empty());
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(rx.requests().size(), 8U);

  const auto delivery = str(item[0].as_object(), "id");
  auto retried =
      admin("POST", "/api/v1/admin/webhooks/" + id + "/deliveries/" + delivery + "/retry");
  EXPECT_EQ(retried.status, 202) << retried.body;
  ASSERT_TRUE(rx.wait_for(9, 10s));
  EXPECT_EQ(rx.requests()[8].header("webhook-id"), event);
  ASSERT_TRUE(
      eventually(5s, [&] { return str(deliveries(id)[0].as_object(), "status") == "succeeded"; }));
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'webhook.delivery_retried' AND "
                   "target = '" +
                   id + "'"),
            "1");
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, AReceiverThatNeverAnswersTimesOutAndGetsTheSameIdAgain) {
  webhook_receiver rx;
  rx.stall_next(1, 12s);
  const auto ep = endpoint(rx.url(), R"(["user.updated"])");
  const auto id = str(ep, "id");
  const auto event = publish("user.updated");
  ASSERT_TRUE(rx.wait_for(1, 20s));
  ASSERT_TRUE(eventually(15s, [&] { return attempts_of(id, event) == 1; }));
  const auto item = deliveries(id)[0].as_object();
  EXPECT_EQ(str(item, "last_error"), "no answer within the timeout");
  EXPECT_TRUE(item.at("last_status").is_null());
  ASSERT_TRUE(rx.wait_for(2, 15s)); // 5 s later, by itself
  EXPECT_EQ(rx.requests()[1].header("webhook-id"), event);
  ASSERT_TRUE(
      eventually(5s, [&] { return str(deliveries(id)[0].as_object(), "status") == "succeeded"; }));
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, ARotatedSecretSignsBesideTheOldOneFor24Hours) {
  webhook_receiver rx;
  const auto ep = endpoint(rx.url(), R"(["user.updated"])");
  const auto id = str(ep, "id");
  auto rotated = admin("POST", "/api/v1/admin/webhooks/" + id + "/rotate-secret");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto fresh = str(json::parse(rotated.body).as_object(), "secret");
  ASSERT_TRUE(fresh.starts_with("whsec_"));
  EXPECT_NE(fresh, str(ep, "secret"));
  EXPECT_NEAR(std::stod(scalar("SELECT extract(epoch FROM previous_secret_until - now()) FROM "
                               "webhook_endpoints WHERE id = '" +
                               id + "'")),
              86400.0, 60.0);
  publish("user.updated");
  ASSERT_TRUE(rx.wait_for(1, 20s));
  const auto got = rx.requests()[0];
  const auto header = got.header("webhook-signature");
  EXPECT_EQ(std::count(header.begin(), header.end(), ' '), 1) << header;
  for (const auto& secret : {fresh, str(ep, "secret")})
    EXPECT_TRUE(standard_webhooks_valid(secret, got.header("webhook-id"),
                                        got.header("webhook-timestamp"), got.body, header));
  // After the grace period only the new secret signs.
  sql("UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second' WHERE "
      "id = '" +
      id + "'");
  publish("user.updated");
  ASSERT_TRUE(rx.wait_for(2, 20s));
  const auto later = rx.requests()[1];
  EXPECT_EQ(later.header("webhook-signature").find(' '), std::string::npos);
  EXPECT_TRUE(standard_webhooks_valid(fresh, later.header("webhook-id"),
                                      later.header("webhook-timestamp"), later.body,
                                      later.header("webhook-signature")));
  EXPECT_FALSE(standard_webhooks_valid(str(ep, "secret"), later.header("webhook-id"),
                                       later.header("webhook-timestamp"), later.body,
                                       later.header("webhook-signature")));
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'webhook.secret_rotated' AND "
                   "target = '" +
                   id + "'"),
            "1");
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, WildcardsMatchAndDisabledEndpointsGetNothing) {
  webhook_receiver all_rx;
  webhook_receiver payments_rx;
  webhook_receiver exact_rx;
  webhook_receiver off_rx;
  const auto all = endpoint(all_rx.url(), R"(["*"])");
  const auto payments = endpoint(payments_rx.url(), R"(["payment.*","subscription.*"])");
  const auto exact = endpoint(exact_rx.url(), R"(["user.deleted"])");
  const auto off = endpoint(off_rx.url(), R"(["*"])");
  auto patched = admin("PATCH", "/api/v1/admin/webhooks/" + str(off, "id"), R"({"enabled":false})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(json::parse(patched.body).at("enabled").as_bool());

  const auto deleted = publish("user.deleted");
  const auto paid = publish("payment.completed");
  const auto sub = publish("subscription.updated");
  publish("email.send", R"({"to":"x@example.com"})"); // never delivered: mail requests
  ASSERT_TRUE(all_rx.wait_for(3, 20s));
  ASSERT_TRUE(payments_rx.wait_for(2, 20s));
  ASSERT_TRUE(exact_rx.wait_for(1, 20s));
  std::this_thread::sleep_for(1500ms);
  const auto to_all = ids_received(all_rx);
  EXPECT_EQ(to_all, (std::set<std::string>{deleted, paid, sub}));
  const auto to_payments = ids_received(payments_rx);
  EXPECT_EQ(to_payments, (std::set<std::string>{paid, sub}));
  ASSERT_EQ(exact_rx.requests().size(), 1U);
  EXPECT_EQ(exact_rx.requests()[0].header("webhook-id"), deleted);
  EXPECT_TRUE(off_rx.requests().empty());
  EXPECT_TRUE(deliveries(str(off, "id")).empty());
  for (const auto* ep : {&all, &payments, &exact, &off})
    EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + str(*ep, "id")).status, 204);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'webhook.updated' AND target = '" +
             str(off, "id") + "'"),
      "1");
}

TEST_F(WebhooksTest, EventsOfTwoTenantsAppliedTogetherReachOnlyTheirOwnTenantsEndpoints) {
  // The fan-out reads a tenant's endpoints once per batch of events: a batch that mixes tenants
  // must still keep each event to the endpoints of its own.
  constexpr const char* other = "00000000-0000-0000-0000-0000000000b2";
  sql(std::string{"INSERT INTO tenants (id, name) VALUES ('"} + other +
      "', 'webhooks second tenant') ON CONFLICT DO NOTHING");
  webhook_receiver mine_rx;
  webhook_receiver theirs_rx;
  const auto mine = str(endpoint(mine_rx.url(), R"(["org.created"])"), "id");
  const auto theirs = str(endpoint(theirs_rx.url(), R"(["org.*"])"), "id");
  sql("UPDATE webhook_endpoints SET tenant_id = '" + std::string{other} + "' WHERE id = '" +
      theirs + "'");
  // One statement writes all of them, so they are published together and applied in few
  // batches, the two tenants interleaved.
  std::set<std::string> of_mine;
  std::set<std::string> of_theirs;
  std::string rows;
  for (int i = 0; i < 20; ++i) {
    const auto id = scalar("SELECT gen_random_uuid()::text");
    const std::string owner = i % 2 == 0 ? tenant : other;
    (i % 2 == 0 ? of_mine : of_theirs).insert(id);
    rows.append(rows.empty() ? "" : ",").append("('").append(id);
    rows.append("', 'org.created', '").append(owner).append("', jsonb_build_object('id', '");
    rows.append(id).append("', 'type', 'org.created', 'occurred_at', '2026-12-01T10:00:00.000Z'");
    rows.append(", 'tenant_id', '").append(owner).append("', 'data', '{}'::jsonb))");
  }
  sql("INSERT INTO outbox (id, subject, tenant_id, payload) VALUES " + rows);
  ASSERT_TRUE(mine_rx.wait_for(10, 20s));
  ASSERT_TRUE(theirs_rx.wait_for(10, 20s));
  std::this_thread::sleep_for(1500ms);
  const auto to_mine = ids_received(mine_rx);
  const auto to_theirs = ids_received(theirs_rx);
  EXPECT_EQ(to_mine, of_mine);
  EXPECT_EQ(to_theirs, of_theirs);
  EXPECT_EQ(mine_rx.requests().size(), 10U);
  EXPECT_EQ(theirs_rx.requests().size(), 10U);
  EXPECT_EQ(scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id IN ('" + mine +
                   "', '" + theirs + "')"),
            "20");
  sql("UPDATE webhook_endpoints SET tenant_id = '" + std::string{tenant} + "' WHERE id = '" +
      theirs + "'");
  for (const auto& id : {mine, theirs})
    EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, ARestartWithDeliveriesPendingLosesNoneAndSendsNoneTwiceAfterSuccess) {
  webhook_receiver rx;
  rx.answer_next(5, 500);
  const auto ep = endpoint(rx.url(), R"(["user.*"])");
  const auto id = str(ep, "id");
  std::set<std::string> events;
  for (int i = 0; i < 5; ++i)
    events.insert(publish("user.updated"));
  ASSERT_TRUE(rx.wait_for(5, 20s));
  ASSERT_TRUE(eventually(5s, [&] {
    return scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + id +
                  "' AND attempts = 1 AND status = 'pending'") == "5";
  }));
  server->process().signal(SIGTERM);
  ASSERT_TRUE(server->process().wait_exit(20s).has_value());
  delete server;
  server = nullptr;
  // Events written while Gatehouse is down are delivered after it returns, too.
  for (int i = 0; i < 3; ++i)
    events.insert(publish("user.updated"));
  sql("UPDATE webhook_deliveries SET next_attempt_at = now() + interval '2 seconds' WHERE "
      "endpoint_id = '" +
      id + "'");
  start_server();
  ASSERT_TRUE(rx.wait_for(5 + 8, 30s));
  ASSERT_TRUE(eventually(10s, [&] {
    return scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + id +
                  "' AND status = 'succeeded'") == "8";
  }));
  advance(id); // nothing is pending: nothing moves
  std::this_thread::sleep_for(2s);
  std::map<std::string, int> successes;
  for (const auto& r : rx.requests())
    if (r.answered >= 200 && r.answered < 300)
      ++successes[r.header("webhook-id")];
  ASSERT_EQ(successes.size(), events.size());
  for (const auto& [event, n] : successes) {
    EXPECT_TRUE(events.count(event) == 1) << event;
    EXPECT_EQ(n, 1) << event;
  }
  EXPECT_EQ(rx.requests().size(), 13U);
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, UrlsThatReachPrivateAddressesAreRefused) {
  const auto before = scalar("SELECT count(*) FROM webhook_endpoints");
  for (const std::string& url : std::vector<std::string>{"http://10.0.0.1/hook",
                                                         "https://10.0.0.1/hook",
                                                         "https://192.168.1.10/",
                                                         "https://172.16.0.1/",
                                                         "https://169.254.169.254/latest/meta-data",
                                                         "https://100.64.0.1/",
                                                         "https://[fd00::1]/",
                                                         "https://[fe80::1]/",
                                                         "https://[::ffff:10.0.0.1]/",
                                                         "https://[::ffff:169.254.169.254]/",
                                                         "https://[64:ff9b::a00:1]/",
                                                         "https://167772161/",
                                                         "https://0xa000001/",
                                                         "https://012.0.0.1/",
                                                         "https://10.1/",
                                                         "https://0x0a.0.0.1/",
                                                         "https://0.0.0.0/",
                                                         "https://[::]/",
                                                         "https://224.0.0.1/",
                                                         "https://user:pass@example.com/",
                                                         "ftp://example.com/",
                                                         "http://example.com/",
                                                         "https://exa mple.com/",
                                                         "https://ex%61mple.com/",
                                                         "https://[v1.fe]/",
                                                         "https://example.com:0/",
                                                         "https://example.com:70000/",
                                                         "https://example.com/#frag",
                                                         "not a url",
                                                         ""}) {
    auto r = admin("POST", "/api/v1/admin/webhooks",
                   json::serialize(json::object{{"url", url}, {"events", json::array{"*"}}}));
    EXPECT_EQ(r.status, 400) << url << " " << r.body;
    EXPECT_NE(r.body.find("\"url\""), std::string::npos) << url << " " << r.body;
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM webhook_endpoints"), before);
}

TEST_F(WebhooksTest, MalformedBodiesAndQueriesAre400) {
  webhook_receiver rx;
  const std::string url = rx.url();
  for (const std::string& body : std::vector<std::string>{
           R"({"url":")" + url + R"("})", R"({"events":["*"]})",
           R"({"url":")" + url + R"(","events":[]})", R"({"url":")" + url + R"(","events":"*"})",
           R"({"url":")" + url + R"(","events":["user.*.x"]})",
           R"({"url":")" + url + R"(","events":["email.send"]})",
           R"({"url":")" + url + R"(","events":["User.Created"]})",
           R"({"url":")" + url + R"(","events":["*"],"extra":1})", R"({"url":42,"events":["*"]})",
           R"([1,2])", R"({"url":")" + url + R"(","events":["*"],"description":7})"}) {
    auto r = admin("POST", "/api/v1/admin/webhooks", body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
  }
  const auto ep = endpoint(url, R"(["*"])");
  const auto id = str(ep, "id");
  for (const std::string& body : std::vector<std::string>{
           "{}", R"({"enabled":"yes"})", R"({"url":"https://10.0.0.1/"})", R"({"events":[1]})"})
    EXPECT_EQ(admin("PATCH", "/api/v1/admin/webhooks/" + id, body).status, 400) << body;
  for (const std::string& q :
       std::vector<std::string>{"?limit=0", "?limit=201", "?cursor=zzz", "?status=done", "?x=1"})
    EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks/" + id + "/deliveries" + q).status, 400) << q;
  EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks?cursor=%%").status, 400);
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
}

TEST_F(WebhooksTest, ScopesListsAndOtherIdsAre404) {
  auto make_key = [](const std::string& scopes) {
    auto r = admin("POST", "/api/v1/admin/api-keys",
                   R"({"name":"webhooks scope","scopes":)" + scopes + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string{json::parse(r.body).at("key").as_string()};
  };
  const auto reader = make_key(R"(["webhooks:read"])");
  const auto writer = make_key(R"(["webhooks:write"])");
  const auto other = make_key(R"(["users:read"])");
  webhook_receiver rx;
  const auto body = R"({"url":")" + rx.url() + R"(","events":["user.created"]})";
  EXPECT_EQ(admin("POST", "/api/v1/admin/webhooks", body, reader).status, 403);
  EXPECT_EQ(admin("POST", "/api/v1/admin/webhooks", body, other).status, 403);
  EXPECT_EQ(http_call(server->port(), "GET", "/api/v1/admin/webhooks").status, 401);
  auto created = admin("POST", "/api/v1/admin/webhooks", body, writer);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto a = str(json::parse(created.body).as_object(), "id");
  const auto b = str(endpoint(rx.url("/b"), R"(["user.created"])"), "id");
  EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks/" + a, {}, reader).status, 200);
  EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks/" + a, {}, writer).status, 200);
  EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks/" + a, {}, other).status, 403);
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + a, {}, reader).status, 403);

  // Pages of one endpoint each, in creation order: a comes before b.
  std::vector<std::string> order;
  std::string cursor;
  for (int page = 0; page < 50; ++page) {
    auto r =
        admin("GET", "/api/v1/admin/webhooks?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor),
              {}, reader);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto listed = json::parse(r.body).as_object();
    ASSERT_LE(listed.at("items").as_array().size(), 1U);
    for (const auto& item : listed.at("items").as_array())
      order.push_back(str(item.as_object(), "id"));
    if (!listed.at("next_cursor").is_string())
      break;
    cursor = std::string{listed.at("next_cursor").as_string()};
  }
  const auto pos_a = std::find(order.begin(), order.end(), a);
  const auto pos_b = std::find(order.begin(), order.end(), b);
  ASSERT_NE(pos_a, order.end());
  ASSERT_NE(pos_b, order.end());
  EXPECT_LT(pos_a, pos_b);
  EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(), order.size());

  // A delivery of endpoint a is no delivery of endpoint b.
  signed_up_token(server->port());
  ASSERT_TRUE(eventually(20s, [&] { return deliveries(a).size() == 1; }));
  const auto delivery = str(deliveries(a)[0].as_object(), "id");
  const auto unknown = scalar("SELECT gen_random_uuid()::text");
  EXPECT_EQ(
      admin("POST", "/api/v1/admin/webhooks/" + b + "/deliveries/" + delivery + "/retry").status,
      404);
  EXPECT_EQ(
      admin("POST", "/api/v1/admin/webhooks/" + a + "/deliveries/" + unknown + "/retry").status,
      404);
  EXPECT_EQ(admin("POST", "/api/v1/admin/webhooks/" + a + "/deliveries/nope/retry").status, 404);
  for (const auto& m : {"GET", "DELETE"})
    EXPECT_EQ(admin(m, "/api/v1/admin/webhooks/" + unknown).status, 404) << m;
  EXPECT_EQ(admin("PATCH", "/api/v1/admin/webhooks/" + unknown, R"({"enabled":true})").status, 404);
  EXPECT_EQ(admin("POST", "/api/v1/admin/webhooks/" + unknown + "/rotate-secret").status, 404);
  EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks/" + unknown + "/deliveries").status, 404);
  EXPECT_EQ(admin("GET", "/api/v1/admin/webhooks/not-a-uuid").status, 404);
  for (const auto& id : {a, b})
    EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + id).status, 204);
  EXPECT_EQ(admin("DELETE", "/api/v1/admin/webhooks/" + a).status, 404);
  EXPECT_EQ(scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + a + "'"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action IN ('webhook.created', "
                   "'webhook.deleted') AND target IN ('" +
                   a + "', '" + b + "')"),
            "4");
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'webhook.created' AND target = '" + a +
             "' AND actor LIKE 'api_key:%'"),
      "1");
}

} // namespace
} // namespace gh::test
