// The event pipeline against real parts: a nats-server of the test's own (stopped and started
// again), the run's PostgreSQL (a scratch database per test, so counts are exact) and an SMTP
// sink. Gatehouse runs as a real process.
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/nats_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/smtp_sink.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

/// The user ids of the `user.created` events in `messages`, one entry per message.
std::multiset<std::string> created_user_ids(const std::vector<stored_message>& messages) {
  std::multiset<std::string> ids;
  for (const auto& m : messages)
    if (m.subject == "user.created")
      ids.insert(std::string{boost::json::parse(m.body).at("data").at("user_id").as_string()});
  return ids;
}

/// `Stripe-Signature` for `body` at `t` under `secret`, computed here with OpenSSL's HMAC.
std::string stripe_signature(const std::string& secret, int64_t t, const std::string& body) {
  const auto signed_payload = std::to_string(t) + "." + body;
  unsigned char mac[32];
  size_t len = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                      reinterpret_cast<const unsigned char*>(signed_payload.data()),
                      signed_payload.size(), mac, sizeof mac, &len),
            nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 0x0f];
  }
  return "t=" + std::to_string(t) + ",v1=" + hex;
}

class EventsTest : public ::testing::Test {
protected:
  EventsTest() {
    char dir[] = "/tmp/gh-events-XXXXXX";
    data_dir_ = ::mkdtemp(dir);
  }
  ~EventsTest() override {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  std::unique_ptr<gatehouse_process> start(std::map<std::string, std::string> extra = {}) {
    extra.try_emplace("DATABASE_URL", db_.url());
    extra.try_emplace("NATS_URL", nats_.url());
    extra.try_emplace("SMTP_URL", sink_.url());
    extra.try_emplace("GATEHOUSE_DATA_DIR", data_dir_);
    extra.try_emplace("GATEHOUSE_REGISTER_RATE", "1000");
    return std::make_unique<gatehouse_process>(std::move(extra));
  }

  /// Registers `identifier` (an email or a phone number) at `port`; the new user's id.
  static std::string register_user(uint16_t port, const std::string& field,
                                   const std::string& identifier) {
    auto r = http_call(port, "POST", "/api/v1/auth/register",
                       R"({")" + field + R"(":")" + identifier +
                           R"(","password":"correct horse battery"})",
                       {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201)
      return {};
    return std::string{boost::json::parse(r.body).at("user").at("id").as_string()};
  }

  pqxx::result query(const std::string& sql) {
    pqxx::connection conn{db_.url()};
    return pqxx::nontransaction{conn}.exec(sql);
  }

  scratch_database db_;
  nats_server nats_;
  smtp_sink sink_;
  std::string data_dir_;
};

TEST_F(EventsTest, UsersRegisteredWhileNatsIsDownArePublishedOnceAndWelcomedOnce) {
  auto gh = start();
  nats_.stop();
  std::set<std::string> users;
  std::vector<std::string> emails;
  for (int i = 0; i < 5; ++i) {
    emails.push_back("down-" + std::to_string(i) + "@example.com");
    users.insert(register_user(gh->port(), "email", emails.back()));
  }
  users.insert(register_user(gh->port(), "phone", "+4915112345670"));
  ASSERT_EQ(users.size(), 6U);
  // Nothing can leave while NATS is down; the rows wait in the outbox.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0].as<int>(), 6);
  EXPECT_TRUE(sink_.messages().empty());

  nats_.start();
  for (const auto& email : emails)
    EXPECT_TRUE(sink_.wait_for(email, 1, 30s)) << email;
  nats_client client{nats_.url()};
  ASSERT_TRUE(
      eventually(30s, [&] { return created_user_ids(client.messages("USERS")).size() >= 6; }));
  // A little longer, so a second copy would have time to show.
  std::this_thread::sleep_for(2s);
  const auto published = created_user_ids(client.messages("USERS"));
  EXPECT_EQ(published, std::multiset<std::string>(users.begin(), users.end()));
  for (const auto& email : emails)
    EXPECT_EQ(sink_.count_to(email), 1U) << email;
  // The phone-only user got none: five messages in all.
  EXPECT_EQ(sink_.messages().size(), 5U);
  EXPECT_EQ(query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0].as<int>(), 0);
  // Every event carries its id as Nats-Msg-Id.
  for (const auto& m : client.messages("USERS"))
    EXPECT_EQ(m.headers.at("Nats-Msg-Id"),
              std::string{boost::json::parse(m.body).at("id").as_string()});
}

TEST_F(EventsTest, WelcomeMailIsRenderedWithBothPartsAndEscapedHtml) {
  auto gh = start();
  const auto id = register_user(gh->port(), "email", "render@example.com");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(sink_.wait_for("render@example.com", 1, 30s));
  const auto m = sink_.messages().front();
  EXPECT_NE(m.data.find("Subject: Welcome to Gatehouse\r\n"), std::string::npos);
  EXPECT_NE(m.data.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(m.data.find("Message-ID: <"), std::string::npos);
  EXPECT_EQ(m.from, "no-reply@localhost");
  const auto text = decoded_parts(m.data);
  EXPECT_NE(text.find("Hello there,"), std::string::npos) << text;
  EXPECT_NE(text.find("<p>Hello there,</p>"), std::string::npos) << text;
  EXPECT_EQ(query("SELECT status FROM email_deliveries WHERE idempotency_key = 'welcome:" + id +
                  "'")[0][0]
                .as<std::string>(),
            "sent");
}

TEST_F(EventsTest, ATemporarySmtpFailureIsRetriedAndTheMailIsSentOnce) {
  sink_.refuse_next(1, 451);
  auto gh = start();
  register_user(gh->port(), "email", "retry@example.com");
  ASSERT_TRUE(sink_.wait_for("retry@example.com", 1, 30s)) << gh->process().stderr_text();
  EXPECT_EQ(sink_.refused(), 1);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(sink_.count_to("retry@example.com"), 1U);
  auto row = query("SELECT status, attempts FROM email_deliveries WHERE recipient = "
                   "'retry@example.com'");
  ASSERT_EQ(row.size(), 1U);
  EXPECT_EQ(row[0][0].as<std::string>(), "sent");
}

TEST_F(EventsTest, APermanentSmtpFailureIsRecordedAndNotRetried) {
  sink_.refuse_next(1, 550);
  auto gh = start();
  register_user(gh->port(), "email", "refused@example.com");
  ASSERT_TRUE(eventually(30s, [&] {
    return query("SELECT 1 FROM email_deliveries WHERE recipient = 'refused@example.com' AND "
                 "status = 'failed'")
               .size() == 1;
  }));
  auto row = query("SELECT last_error FROM email_deliveries WHERE recipient = "
                   "'refused@example.com'");
  EXPECT_NE(row[0][0].as<std::string>().find("550"), std::string::npos);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(sink_.refused(), 1);
  EXPECT_EQ(sink_.count_to("refused@example.com"), 0U);
}

TEST_F(EventsTest, MalformedEventsAreDeadLetteredWithTheReasonAndCanBeReplayed) {
  auto gh = start();
  nats_client client{nats_.url()};
  // The streams exist once Gatehouse reports NATS ready.
  ASSERT_TRUE(eventually(30s, [&] {
    const auto body = client.request("gatehouse.ops.stats");
    return !body.empty() &&
           boost::json::parse(body).at("dependencies").at("nats").as_string() == "ok";
  }));
  client.publish("email.send", "{not json", "bad-1");
  client.publish("email.send",
                 R"({"id":"6f1c2a8e-1111-4222-8333-944455556666","type":"email.send",)"
                 R"("occurred_at":"2026-11-23T10:00:00Z",)"
                 R"("tenant_id":"00000000-0000-0000-0000-000000000001",)"
                 R"("data":{"to":"a@example.com\r\nBcc: x@example.com","template":"welcome",)"
                 R"("idempotency_key":"k1"}})",
                 "bad-2");
  ASSERT_TRUE(eventually(30s, [&] { return client.messages("DLQ").size() == 2; }));
  const auto dead = client.messages("DLQ");
  EXPECT_EQ(dead[0].subject, "dlq.email");
  EXPECT_EQ(dead[0].body, "{not json");
  EXPECT_EQ(dead[0].headers.at("Gatehouse-Original-Subject"), "email.send");
  EXPECT_EQ(dead[0].headers.at("Gatehouse-Consumer"), "email");
  EXPECT_EQ(dead[0].headers.at("Gatehouse-Deliveries"), "1");
  EXPECT_EQ(dead[0].headers.at("Gatehouse-Original-Msg-Id"), "bad-1");
  // The dead letter's own id is per consumer and stream message, whatever the original said.
  EXPECT_EQ(dead[0].headers.at("Nats-Msg-Id"),
            "email:EMAIL:" + dead[0].headers.at("Gatehouse-Stream-Sequence"));
  EXPECT_NE(dead[0].headers.at("Gatehouse-Error").find("malformed"), std::string::npos);
  EXPECT_NE(dead[1].headers.at("Gatehouse-Error").find("data.to"), std::string::npos);
  EXPECT_TRUE(sink_.messages().empty());

  // `gatehouse dlq list` shows them; `replay` sends one back to its subject, where it dies again.
  child_process list{{required_env("GATEHOUSE_BIN"), "dlq", "list"},
                     {{"NATS_URL", nats_.url()}, {"DATABASE_URL", db_.url()}}};
  auto line = list.wait_for_line("\"subject\":\"email.send\"", 10s);
  ASSERT_TRUE(line);
  EXPECT_NE(line->find(R"("consumer":"email")"), std::string::npos);
  EXPECT_EQ(list.wait_exit(10s), 0);
  child_process replay{{required_env("GATEHOUSE_BIN"), "dlq", "replay", "1"},
                       {{"NATS_URL", nats_.url()}, {"DATABASE_URL", db_.url()}}};
  EXPECT_EQ(replay.wait_exit(10s), 0) << replay.stderr_text();
  ASSERT_TRUE(eventually(30s, [&] {
    const auto now = client.messages("DLQ");
    return now.size() == 2 && now.back().body == "{not json";
  }));
  EXPECT_EQ(client.messages("DLQ").back().headers.at("Gatehouse-Original-Msg-Id"),
            "bad-1:replay:1");
}

TEST_F(EventsTest, AnEventTheDatabaseRefusesIsDeadLetteredAndTheRestOfItsBatchApplies) {
  nats_client client{nats_.url()};
  auto gh = start();
  ASSERT_TRUE(eventually(30s, [&] {
    const auto body = client.request("gatehouse.ops.stats");
    return !body.empty() &&
           boost::json::parse(body).at("dependencies").at("nats").as_string() == "ok";
  }));
  // A user.created of a tenant that does not exist: its welcome email.send row breaks the
  // outbox's foreign key. The next event (often in the same batch) is fine.
  auto created = [](const std::string& id, const std::string& tenant, const std::string& email) {
    return R"({"id":")" + id + R"(","type":"user.created","occurred_at":"2026-11-23T10:00:00Z",)" +
           R"("tenant_id":")" + tenant + R"(","data":{"user_id":")" + id + R"(","email":")" +
           email + R"("}})";
  };
  client.publish("user.created",
                 created("6f1c2a8e-1111-4222-8333-000000000001",
                         "6f1c2a8e-9999-4999-8999-999999999999", "ghost@example.com"),
                 "fk-1");
  client.publish("user.created",
                 created("6f1c2a8e-1111-4222-8333-000000000002",
                         "00000000-0000-0000-0000-000000000001", "real@example.com"),
                 "fk-2");
  ASSERT_TRUE(sink_.wait_for("real@example.com", 1, 30s));
  ASSERT_TRUE(eventually(30s, [&] { return client.messages("DLQ").size() == 1; }));
  const auto dead = client.messages("DLQ").front();
  EXPECT_EQ(dead.headers.at("Gatehouse-Consumer"), "welcome");
  EXPECT_NE(dead.headers.at("Gatehouse-Error").find("refused by the database"), std::string::npos);
  EXPECT_EQ(sink_.count_to("ghost@example.com"), 0U);
  // Only the applied event is recorded as processed.
  EXPECT_EQ(query("SELECT event_id::text FROM processed_events WHERE consumer = 'welcome'").size(),
            1U);
  // The same event again (a new message id, so JetStream keeps both): applied once.
  client.publish("user.created",
                 created("6f1c2a8e-1111-4222-8333-000000000002",
                         "00000000-0000-0000-0000-000000000001", "real@example.com"),
                 "fk-2-again");
  ASSERT_TRUE(eventually(30s, [&] {
    return boost::json::parse(client.request("gatehouse.ops.stats"))
               .at("consumers")
               .at("welcome")
               .at("skipped")
               .as_int64() == 1;
  }));
  EXPECT_EQ(query("SELECT count(*) FROM outbox WHERE subject = 'email.send'")[0][0].as<int>(), 1);
}

TEST_F(EventsTest, TwoProcessesPublishEachEventOnceAndSendEachMailOnce) {
  auto first = start({{"GATEHOUSE_INSTANCE_ID", "events-a"}});
  auto second = start({{"GATEHOUSE_INSTANCE_ID", "events-b"}});
  std::set<std::string> users;
  std::vector<std::string> emails;
  for (int i = 0; i < 12; ++i) {
    emails.push_back("pair-" + std::to_string(i) + "@example.com");
    users.insert(
        register_user(i % 2 == 0 ? first->port() : second->port(), "email", emails.back()));
  }
  for (const auto& email : emails)
    EXPECT_TRUE(sink_.wait_for(email, 1, 30s)) << email;
  std::this_thread::sleep_for(2s);
  nats_client client{nats_.url()};
  const auto published = created_user_ids(client.messages("USERS"));
  EXPECT_EQ(published, std::multiset<std::string>(users.begin(), users.end()));
  for (const auto& email : emails)
    EXPECT_EQ(sink_.count_to(email), 1U) << email;
  EXPECT_EQ(client.messages("EMAIL").size(), emails.size());
}

TEST_F(EventsTest, WithoutSmtpUrlMailIsWrittenAsEmlFilesUnderTheDataDir) {
  auto gh = start({{"SMTP_URL", ""}});
  register_user(gh->port(), "email", "file@example.com");
  const auto dir = std::filesystem::path{data_dir_} / "outbox-mail";
  // The mailer writes `<key>.eml.partial` and renames it: wait for the renamed file.
  ASSERT_TRUE(eventually(30s, [&] {
    std::error_code ec;
    for (std::filesystem::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".eml")
        return true;
    return false;
  }));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator{dir}) {
    ++files;
    EXPECT_EQ(entry.path().extension(), ".eml");
    std::ifstream in{entry.path()};
    const std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    EXPECT_NE(text.find("To: <file@example.com>\r\n"), std::string::npos);
  }
  EXPECT_EQ(files, 1U);
}

TEST_F(EventsTest, UserUpdatedReachesOnlyThatUsersWebSockets) {
  auto gh = start();
  const auto token = signed_up_token(gh->port());
  const auto other = signed_up_token(gh->port());
  ws_client mine{gh->port(), ws_bearer(token)};
  ws_client theirs{gh->port(), ws_bearer(other)};
  auto r = http_call(gh->port(), "PATCH", "/api/v1/users/me", R"({"name":"Ada"})",
                     {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto frame = mine.read(30s);
  ASSERT_TRUE(frame);
  auto v = boost::json::parse(*frame).as_object();
  EXPECT_EQ(v.at("event").as_string(), "user.updated");
  EXPECT_EQ(v.at("data").at("name").as_string(), "Ada");
  // The other user's socket got nothing: its next frame is the answer to its own command.
  theirs.send_text(R"({"id":"probe","cmd":"help"})");
  auto next = theirs.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->find(R"({"id":"probe","ok":true)"), 0U) << *next;
}

TEST_F(EventsTest, StripeWebhooksAreVerifiedQueuedOnceAndPublished) {
  auto gh = start({{"STRIPE_WEBHOOK_SECRET", "whsec_retiring,whsec_current"}});
  const std::string body =
      R"({"id":"evt_1TestWebhook","object":"event","type":"checkout.session.completed",)"
      R"("created":1700000000,"data":{"object":{"id":"cs_test_1","client_reference_id":"u1"}}})";
  auto post = [&](const std::string& signature, const std::string& payload) {
    return http_call(
        gh->port(), "POST", "/webhooks/stripe", payload,
        {{"Content-Type", "application/json; charset=utf-8"}, {"Stripe-Signature", signature}});
  };
  const auto now = unix_now();
  auto first = post(stripe_signature("whsec_current", now, body), body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(boost::json::parse(first.body).at("duplicate").as_bool(), false);
  // Stripe delivers again (signed with the secret being retired): acknowledged, not queued.
  auto again = post(stripe_signature("whsec_retiring", now, body), body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(boost::json::parse(again.body).at("duplicate").as_bool(), true);
  EXPECT_EQ(
      query("SELECT count(*) FROM outbox WHERE subject LIKE 'stripe.webhook.%'")[0][0].as<int>(),
      1);

  // Refused, and nothing queued: a tampered body, a stale timestamp, an unknown secret, no
  // header, a header that is not Stripe's.
  auto tampered = body;
  tampered.replace(tampered.find("cs_test_1"), 9, "cs_test_2");
  for (const auto& [signature, payload] : std::vector<std::pair<std::string, std::string>>{
           {stripe_signature("whsec_current", now, body), tampered},
           {stripe_signature("whsec_current", now - 400, body), body},
           {stripe_signature("whsec_other", now, body), body},
           {"", body},
           {"v1=deadbeef", body}}) {
    auto r = post(signature, payload);
    EXPECT_EQ(r.status, 400) << signature;
    EXPECT_NE(r.body.find("invalid-signature"), std::string::npos) << r.body;
  }
  // Signed but not a Stripe event: a validation problem naming the fields.
  const std::string not_event = R"({"id":"x","object":"charge"})";
  auto invalid = post(stripe_signature("whsec_current", now, not_event), not_event);
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.body.find(R"("field":"object")"), std::string::npos) << invalid.body;
  EXPECT_EQ(
      query("SELECT count(*) FROM outbox WHERE subject LIKE 'stripe.webhook.%'")[0][0].as<int>(),
      1);

  // The relay publishes it to PAYMENTS with its derived id as Nats-Msg-Id.
  nats_client client{nats_.url()};
  ASSERT_TRUE(eventually(30s, [&] { return client.messages("PAYMENTS").size() == 1; }));
  const auto m = client.messages("PAYMENTS").front();
  EXPECT_EQ(m.subject, "stripe.webhook.checkout.session.completed");
  const auto envelope = boost::json::parse(m.body);
  EXPECT_EQ(m.headers.at("Nats-Msg-Id"), envelope.at("id").as_string());
  EXPECT_EQ(envelope.at("occurred_at").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(envelope.at("data").at("id").as_string(), "evt_1TestWebhook");
  EXPECT_EQ(envelope.at("data").at("data").at("object").at("id").as_string(), "cs_test_1");
}

TEST_F(EventsTest, StripeWebhooksWithoutASecretAnswerNotConfigured) {
  auto gh = start();
  auto r = http_call(gh->port(), "POST", "/webhooks/stripe", R"({"id":"evt_1"})",
                     {{"Content-Type", "application/json"}, {"Stripe-Signature", "t=1,v1=00"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not-configured"), std::string::npos) << r.body;
}

TEST_F(EventsTest, OpsStatsAnswerOverNats) {
  auto gh = start();
  register_user(gh->port(), "email", "stats@example.com");
  ASSERT_TRUE(sink_.wait_for("stats@example.com", 1, 30s));
  nats_client client{nats_.url()};
  boost::json::object stats;
  ASSERT_TRUE(eventually(30s, [&] {
    const auto body = client.request("gatehouse.ops.stats");
    if (body.empty())
      return false;
    stats = boost::json::parse(body).as_object();
    return stats.at("consumers").at("email").at("processed").as_int64() >= 1 &&
           stats.at("outbox").at("backlog").as_int64() == 0;
  }));
  EXPECT_EQ(stats.at("consumers").at("welcome").at("processed").as_int64(), 1);
  EXPECT_GE(stats.at("outbox").at("published").as_int64(), 2); // user.created + email.send
  EXPECT_EQ(stats.at("websockets").as_int64(), 0);
  EXPECT_TRUE(stats.at("actors").is_object());
  EXPECT_EQ(stats.at("dependencies").at("nats").as_string(), "ok");
  // The micro-service protocol lists the endpoint with its own counts.
  const auto info = client.request("$SRV.STATS.gatehouse");
  EXPECT_NE(info.find("gatehouse.ops.stats"), std::string::npos) << info;
}

} // namespace
} // namespace gh::test
