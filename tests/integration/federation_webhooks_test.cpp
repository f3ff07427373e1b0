// Provider webhooks end to end (API.md "Federation", "Provider webhooks"): a real Gatehouse with
// two providers that send webhooks, one signing per Standard Webhooks (`whsec_…`), one as
// FusionAuth does (`X-FusionAuth-Signature-JWT`), a third configured without a webhook secret.
// The events go through the IDP stream of a nats-server of the suite's own to the worker, and the
// tests look at what it did in PostgreSQL and through the API. Nothing is fetched from the
// providers' issuers, which point at ports nobody listens on.
#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"
#include "messages/event_envelope.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

using namespace gh::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// The Standard Webhooks specification's example secret: its test vector verifies under it.
constexpr const char* hooks_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// FusionAuth's HMAC key, used as its bytes.
constexpr const char* fusionauth_secret = "fusionauth-webhook-hmac-key-for-gatehouse-tests";

class FederationWebhooksTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-idp-hooks-" + gh::crypto::random_token(6));
    std::filesystem::create_directories(dir);
    db = new scratch_database();
    nats = new nats_server();
    const auto nowhere = "http://127.0.0.1:" + std::to_string(free_port());
    server = new gatehouse_process({
        {"DATABASE_URL", db->url()},
        {"NATS_URL", nats->url()},
        {"GATEHOUSE_DATA_DIR", (dir / "data").string()},
        {"GATEHOUSE_REGISTER_RATE", "100000"},
        {"GATEHOUSE_LOGIN_RATE", "100000"},
        {"OIDC_PROVIDERS", "hooks,fa,quiet"},
        {"OIDC_HOOKS_ISSUER", nowhere + "/hooks"},
        {"OIDC_HOOKS_CLIENT_ID", "gatehouse"},
        {"OIDC_HOOKS_TRUST_EMAIL", "true"},
        {"OIDC_HOOKS_WEBHOOK_SECRET", hooks_secret},
        {"OIDC_FA_ISSUER", nowhere + "/fa"},
        {"OIDC_FA_CLIENT_ID", "gatehouse"},
        {"OIDC_FA_WEBHOOK_SECRET", fusionauth_secret},
        {"OIDC_QUIET_ISSUER", nowhere + "/quiet"},
        {"OIDC_QUIET_CLIENT_ID", "gatehouse"},
    });
    port = server->port();
    // Webhooks are answered 503 until NATS is up with the streams made (what /readyz reports).
    ASSERT_TRUE(eventually(30s, [] { return http_call(port, "GET", "/readyz").status == 200; }));
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    delete nats;
    nats = nullptr;
    delete db;
    db = nullptr;
    std::filesystem::remove_all(dir);
  }

  static std::string unique(const std::string& prefix) {
    return prefix + "-" + gh::crypto::random_token(6);
  }

  /// A fresh e-mail address, lower case as Gatehouse stores addresses.
  static std::string unique_email(const std::string& prefix) {
    auto local = unique(prefix);
    std::transform(local.begin(), local.end(), local.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return local + "@example.test";
  }

  static std::string key() { return gh::standard_webhooks::secret_key(hooks_secret).value(); }

  /// Posts `body` to `provider` with the Standard Webhooks headers signed at `timestamp`.
  static http_reply post_standard(const std::string& provider, const std::string& id,
                                  const std::string& body, int64_t timestamp,
                                  const std::string& signed_body = {}) {
    const auto signature =
        gh::standard_webhooks::sign(key(), id, timestamp, signed_body.empty() ? body : signed_body);
    return http_call(port, "POST", "/webhooks/idp/" + provider, body,
                     {{"Content-Type", "application/json"},
                      {"webhook-id", id},
                      {"webhook-timestamp", std::to_string(timestamp)},
                      {"webhook-signature", signature}});
  }

  /// A Standard Webhooks user event from `hooks`, signed now.
  static http_reply send_hooks(const std::string& type, const json::object& data,
                               const std::string& id = unique("msg")) {
    json::object body{{"type", type}, {"data", data}};
    return post_standard("hooks", id, json::serialize(body), gh::unix_now());
  }

  /// The `X-FusionAuth-Signature-JWT` FusionAuth sends for `body`: HS256 under `secret`.
  static std::string fusionauth_jwt(const std::string& body,
                                    const std::string& secret = fusionauth_secret) {
    using gh::crypto::base64url_encode;
    json::object claims{
        {"request_body_sha256", gh::crypto::base64_encode(gh::crypto::sha256(body))},
        {"iat", gh::unix_now()},
        {"exp", gh::unix_now() + 60}};
    const auto signing_input = base64url_encode(R"({"alg":"HS256","typ":"JWT","kid":"k1"})") + "." +
                               base64url_encode(json::serialize(claims));
    return signing_input + "." + base64url_encode(gh::crypto::hmac_sha256(secret, signing_input));
  }

  /// A FusionAuth event `type` about `user`, signed as FusionAuth signs it.
  static http_reply send_fusionauth(const std::string& type, const json::object& user,
                                    const std::string& event_id = unique("fa-event")) {
    json::object event{
        {"id", event_id}, {"type", type}, {"createInstant", gh::unix_now() * 1000}, {"user", user}};
    const auto body = json::serialize(json::object{{"event", event}});
    return http_call(port, "POST", "/webhooks/idp/fa", body,
                     {{"Content-Type", "application/json"},
                      {"X-FusionAuth-Signature-JWT", fusionauth_jwt(body)}});
  }

  /// The user linked to (`provider`, `subject`); empty while there is none.
  static std::string user_of(const std::string& provider, const std::string& subject) {
    return db->scalar("SELECT user_id::text FROM user_identities WHERE provider = '" + provider +
                      "' AND subject = '" + subject + "'");
  }

  static std::string user_column(const std::string& id, const std::string& column) {
    return db->scalar("SELECT " + column + " FROM users WHERE id = '" + id + "'");
  }

  static std::string problem_type(const http_reply& r) {
    auto parsed = json::parse(r.body);
    return std::string{parsed.as_object().at("type").as_string()};
  }

  /// Registers a user with a password; the access token.
  static std::string register_user(const std::string& email) {
    auto r = http_call(port, "POST", "/api/v1/auth/register",
                       R"({"email":")" + email + R"(","password":"correct horse battery"})",
                       {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string{json::parse(r.body).at("access_token").as_string()}
                           : std::string{};
  }

  static http_reply me(const std::string& token) {
    return http_call(port, "GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + token}});
  }

  static inline std::filesystem::path dir;
  static inline scratch_database* db = nullptr;
  static inline nats_server* nats = nullptr;
  static inline gatehouse_process* server = nullptr;
  static inline uint16_t port = 0;
};

TEST_F(FederationWebhooksTest, SignedUserCreatedMakesTheUser) {
  const auto sub = unique("sub");
  const auto email = unique_email("ada");
  // The provider's capitals are stored as a sign-in stores them: lower case.
  auto r = send_hooks("user.created", {{"sub", sub},
                                       {"email", "ADA" + email.substr(3)},
                                       {"email_verified", true},
                                       {"name", "Ada Lovelace"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(json::parse(r.body).at("duplicate").as_bool());
  ASSERT_TRUE(eventually(10s, [&] { return !user_of("hooks", sub).empty(); }));
  const auto id = user_of("hooks", sub);
  EXPECT_EQ(user_column(id, "email"), email);
  EXPECT_EQ(user_column(id, "name"), "Ada Lovelace");
  EXPECT_EQ(user_column(id, "password_hash"), "");
  EXPECT_EQ(user_column(id, "status"), "active");
  // The domain event names the provider; the audit row names the webhook, not a request.
  EXPECT_EQ(db->scalar("SELECT payload::jsonb->'data'->>'provider' FROM outbox WHERE subject = "
                       "'user.created' AND payload::jsonb->'data'->>'user_id' = '" +
                       id + "'"),
            "hooks");
  EXPECT_EQ(db->scalar("SELECT user_agent FROM audit_log WHERE action = 'user.registered' AND "
                       "target = '" +
                       id + "'"),
            "identity provider webhook (hooks)");
}

TEST_F(FederationWebhooksTest, SpecificationVectorIsRefusedBecauseItsTimestampIsStale) {
  // The specification's example message, signed correctly at 1614265330 (February 2021) ...
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  const std::string body = R"({"test": 2432232314})";
  const std::string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  ASSERT_EQ(gh::standard_webhooks::verify(key(), id, "1614265330", signature, body, 1614265330),
            gh::standard_webhooks::verify_result::valid);
  // ... is refused now: its timestamp is years outside the 300 s tolerance (a replay).
  auto r = http_call(port, "POST", "/webhooks/idp/hooks", body,
                     {{"Content-Type", "application/json"},
                      {"webhook-id", id},
                      {"webhook-timestamp", "1614265330"},
                      {"webhook-signature", signature}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(problem_type(r).find("invalid-signature"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("too old"), std::string::npos) << r.body;
}

TEST_F(FederationWebhooksTest, TamperedBodyIsRefusedAndNothingIsApplied) {
  const auto sub = unique("sub");
  const auto honest = json::serialize(json::object{
      {"type", "user.created"}, {"data", {{"sub", sub}, {"email", unique_email("x")}}}});
  auto tampered = honest;
  tampered.replace(tampered.find("user.created"), 12, "user.deleted");
  auto r = post_standard("hooks", unique("msg"), tampered, gh::unix_now(), honest);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(problem_type(r).find("invalid-signature"), std::string::npos) << r.body;
  // Missing headers and a future timestamp are refused the same way.
  auto bare = http_call(port, "POST", "/webhooks/idp/hooks", honest,
                        {{"Content-Type", "application/json"}});
  EXPECT_EQ(bare.status, 400) << bare.body;
  auto future = post_standard("hooks", unique("msg"), honest, gh::unix_now() + 3600);
  EXPECT_EQ(future.status, 400) << future.body;
  // A signed body that is not a user event is a validation problem.
  auto odd =
      post_standard("hooks", unique("msg"), R"({"type":"user.renamed","data":{}})", gh::unix_now());
  EXPECT_EQ(odd.status, 400) << odd.body;
  EXPECT_NE(problem_type(odd).find("validation"), std::string::npos) << odd.body;
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(user_of("hooks", sub).empty());
}

TEST_F(FederationWebhooksTest, RepeatedWebhookIdIsAppliedOnce) {
  const auto sub = unique("sub");
  const auto id = unique("msg");
  auto first = send_hooks("user.created", {{"sub", sub}, {"name", "First"}}, id);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_TRUE(eventually(10s, [&] { return !user_of("hooks", sub).empty(); }));
  const auto user = user_of("hooks", sub);
  // The provider retries the same message, and another one reusing its id: both are
  // acknowledged and neither applies again.
  auto again = send_hooks("user.created", {{"sub", sub}, {"name", "First"}}, id);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(json::parse(again.body).at("duplicate").as_bool());
  auto reused = send_hooks("user.updated", {{"sub", sub}, {"name", "Second"}}, id);
  EXPECT_EQ(reused.status, 200) << reused.body;
  // A later event of another identity marks that the worker has gone past them.
  const auto marker = unique("marker");
  ASSERT_EQ(send_hooks("user.created", {{"sub", marker}}).status, 200);
  ASSERT_TRUE(eventually(10s, [&] { return !user_of("hooks", marker).empty(); }));
  EXPECT_EQ(user_column(user, "name"), "First");
  EXPECT_EQ(db->scalar("SELECT count(*) FROM user_identities WHERE subject = '" + sub + "'"), "1");
  // A fresh id applies.
  ASSERT_EQ(send_hooks("user.updated", {{"sub", sub}, {"name", "Third"}}).status, 200);
  EXPECT_TRUE(eventually(10s, [&] { return user_column(user, "name") == "Third"; }));
}

TEST_F(FederationWebhooksTest, FusionAuthCreateDeactivateDeleteApply) {
  const auto sub = gh::crypto::random_uuid();
  const auto email = unique_email("grace");
  json::object user{{"id", sub},
                    {"email", email},
                    {"verified", true},
                    {"firstName", "Grace"},
                    {"lastName", "Hopper"}};
  auto created = send_fusionauth("user.create", user);
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_TRUE(eventually(10s, [&] { return !user_of("fa", sub).empty(); }));
  const auto id = user_of("fa", sub);
  EXPECT_EQ(user_column(id, "email"), email);
  EXPECT_EQ(user_column(id, "name"), "Grace Hopper");

  // A type Gatehouse does not act on is acknowledged and not queued.
  auto login = send_fusionauth("user.login.success", user);
  EXPECT_EQ(login.status, 200) << login.body;
  EXPECT_TRUE(json::parse(login.body).at("ignored").as_bool());

  ASSERT_EQ(send_fusionauth("user.deactivate", user).status, 200);
  ASSERT_TRUE(eventually(10s, [&] { return user_column(id, "status") == "disabled"; }));
  EXPECT_EQ(db->scalar("SELECT count(*) FROM outbox WHERE subject = 'user.disabled' AND "
                       "payload::jsonb->'data'->>'user_id' = '" +
                       id + "'"),
            "1");

  ASSERT_EQ(send_fusionauth("user.delete", user).status, 200);
  ASSERT_TRUE(eventually(10s, [&] { return user_column(id, "id").empty(); }));
  EXPECT_TRUE(user_of("fa", sub).empty());
  EXPECT_EQ(db->scalar("SELECT count(*) FROM outbox WHERE subject = 'user.deleted' AND "
                       "payload::jsonb->'data'->>'user_id' = '" +
                       id + "'"),
            "1");
}

TEST_F(FederationWebhooksTest, FusionAuthSignatureMustHold) {
  json::object user{{"id", gh::crypto::random_uuid()}, {"email", "x@example.test"}};
  const auto body = json::serialize(json::object{
      {"event", {{"id", unique("fa-event")}, {"type", "user.create"}, {"user", user}}}});
  auto wrong_key = http_call(port, "POST", "/webhooks/idp/fa", body,
                             {{"Content-Type", "application/json"},
                              {"X-FusionAuth-Signature-JWT", fusionauth_jwt(body, "not-the-key")}});
  EXPECT_EQ(wrong_key.status, 400) << wrong_key.body;
  EXPECT_NE(problem_type(wrong_key).find("invalid-signature"), std::string::npos);
  auto other_body = http_call(
      port, "POST", "/webhooks/idp/fa", body + " ",
      {{"Content-Type", "application/json"}, {"X-FusionAuth-Signature-JWT", fusionauth_jwt(body)}});
  EXPECT_EQ(other_body.status, 400) << other_body.body;
  EXPECT_NE(problem_type(other_body).find("invalid-signature"), std::string::npos);
}

TEST_F(FederationWebhooksTest, UntrustedProviderCannotClaimAnExistingAddress) {
  const auto email = unique_email("owner");
  ASSERT_FALSE(register_user(email).empty());
  const auto sub = gh::crypto::random_uuid();
  ASSERT_EQ(
      send_fusionauth("user.create", {{"id", sub}, {"email", email}, {"verified", true}}).status,
      200);
  const auto marker = gh::crypto::random_uuid();
  ASSERT_EQ(send_fusionauth("user.create", {{"id", marker}}).status, 200);
  ASSERT_TRUE(eventually(10s, [&] { return !user_of("fa", marker).empty(); }));
  // Skipped, not dead-lettered: no identity, no second account, the owner untouched.
  EXPECT_TRUE(user_of("fa", sub).empty());
  EXPECT_EQ(db->scalar("SELECT count(*) FROM users WHERE email = '" + email + "'"), "1");
}

TEST_F(FederationWebhooksTest, ProviderDisableEndsTheLinkedUsersTokensWithinASecond) {
  // A local user with a password and e-mail X ...
  const auto email = unique_email("linus");
  const auto token = register_user(email);
  ASSERT_FALSE(token.empty());
  auto before = me(token);
  ASSERT_EQ(before.status, 200) << before.body;
  const auto local = std::string{json::parse(before.body).at("id").as_string()};
  // ... is linked by a trusted provider's verified user.created for X ...
  const auto sub = unique("sub");
  ASSERT_EQ(
      send_hooks("user.created", {{"sub", sub}, {"email", email}, {"email_verified", true}}).status,
      200);
  ASSERT_TRUE(eventually(10s, [&] { return user_of("hooks", sub) == local; }));
  EXPECT_EQ(db->scalar("SELECT count(*) FROM users WHERE email = '" + email + "'"), "1");
  ASSERT_EQ(me(token).status, 200);
  // ... and the provider disabling that identity ends the token within a second of the 200.
  auto disabled = send_hooks("user.disabled", {{"sub", sub}});
  const auto accepted = std::chrono::steady_clock::now();
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  int status = 0;
  while (std::chrono::steady_clock::now() - accepted < 1s) {
    status = me(token).status;
    if (status == 401)
      break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 401) << "the token still worked a second after the webhook was accepted";
  EXPECT_TRUE(eventually(5s, [&] { return user_column(local, "status") == "disabled"; }));
  EXPECT_EQ(db->scalar("SELECT count(*) FROM refresh_families WHERE user_id = '" + local +
                       "' AND revoked_at IS NULL"),
            "0");
  // A disabled user cannot sign in with the password either.
  auto login = http_call(port, "POST", "/api/v1/auth/login",
                         R"({"email":")" + email + R"(","password":"correct horse battery"})",
                         {{"Content-Type", "application/json"}});
  EXPECT_NE(login.status, 200) << login.body;
}

TEST_F(FederationWebhooksTest, EventsOfUnknownIdentitiesAreIgnored) {
  const auto ghost = unique("ghost");
  for (const auto* type : {"user.updated", "user.disabled", "user.deleted"})
    ASSERT_EQ(send_hooks(type, {{"sub", ghost}, {"name", "Nobody"}}).status, 200) << type;
  const auto marker = unique("marker");
  ASSERT_EQ(send_hooks("user.created", {{"sub", marker}}).status, 200);
  ASSERT_TRUE(eventually(10s, [&] { return !user_of("hooks", marker).empty(); }));
  EXPECT_TRUE(user_of("hooks", ghost).empty());
  EXPECT_EQ(db->scalar("SELECT count(*) FROM users WHERE name = 'Nobody'"), "0");
}

TEST_F(FederationWebhooksTest, UnknownProviderOrOneWithoutSecretIs404) {
  const std::string body = R"({"type":"user.created","data":{"sub":"s"}})";
  for (const auto* provider : {"nobody", "quiet"}) {
    auto r = post_standard(provider, unique("msg"), body, gh::unix_now());
    EXPECT_EQ(r.status, 404) << provider << " " << r.body;
  }
}

TEST_F(FederationWebhooksTest, OversizedBodyIs413) {
  json::object data{{"sub", unique("sub")}, {"name", std::string(70 * 1024, 'a')}};
  auto r = send_hooks("user.created", data);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
}

TEST(FederationWebhooksNatsTest, WebhookIsRefusedWhileNatsIsDownAndTakenOnceItIsBack) {
  scratch_database db;
  nats_server nats;
  const auto dir =
      std::filesystem::temp_directory_path() / ("gh-idp-nats-" + gh::crypto::random_token(6));
  gatehouse_process server{{
      {"DATABASE_URL", db.url()},
      {"NATS_URL", nats.url()},
      {"GATEHOUSE_DATA_DIR", (dir / "data").string()},
      {"OIDC_PROVIDERS", "hooks"},
      {"OIDC_HOOKS_ISSUER", "http://127.0.0.1:" + std::to_string(free_port())},
      {"OIDC_HOOKS_CLIENT_ID", "gatehouse"},
      {"OIDC_HOOKS_WEBHOOK_SECRET", hooks_secret},
  }};
  const auto port = server.port();
  ASSERT_TRUE(eventually(30s, [&] { return http_call(port, "GET", "/readyz").status == 200; }));
  const auto key = gh::standard_webhooks::secret_key(hooks_secret).value();
  const auto sub = "sub-" + gh::crypto::random_token(6);
  const auto body =
      json::serialize(json::object{{"type", "user.created"}, {"data", json::object{{"sub", sub}}}});
  const auto send = [&] {
    const auto now = gh::unix_now();
    return http_call(
        port, "POST", "/webhooks/idp/hooks", body,
        {{"Content-Type", "application/json"},
         {"webhook-id", "msg-" + sub},
         {"webhook-timestamp", std::to_string(now)},
         {"webhook-signature", gh::standard_webhooks::sign(key, "msg-" + sub, now, body)}});
  };
  nats.stop();
  ASSERT_TRUE(eventually(10s, [&] { return http_call(port, "GET", "/readyz").status == 503; }));
  // Not queued, not acknowledged: the provider keeps the event and retries.
  auto refused = send();
  EXPECT_EQ(refused.status, 503) << refused.body;
  nats.start();
  ASSERT_TRUE(eventually(30s, [&] { return send().status == 200; }));
  EXPECT_TRUE(eventually(10s, [&] {
    return !db.scalar("SELECT user_id FROM user_identities WHERE subject = '" + sub + "'").empty();
  }));
  std::filesystem::remove_all(dir);
}

} // namespace
