// SIGTERM with every optional provider configured (Stripe towards a fake, its webhook secret,
// SMTP towards a sink, OIDC, S3 storage, Telegram, a bootstrap admin key, a secrets key): the
// process exits 0 within a few seconds, with its services running and with them stopped.
// Before the Stripe callers let go of their actors at stop, such a process drained, logged
// `gatehouse stopped` and then hung for good in the actor system's destructor.

#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/smtp_sink.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <string>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* admin_key = "gh_bootstrap_shutdown_test_key_0123456789";

class ShutdownWithProvidersTest : public ::testing::Test {
protected:
  ShutdownWithProvidersTest() {
    char dir[] = "/tmp/gh-shutdown-XXXXXX";
    data_dir_ = ::mkdtemp(dir);
  }
  ~ShutdownWithProvidersTest() override {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  /// Every optional provider Gatehouse can be configured with today, pointed at loopback.
  std::map<std::string, std::string> providers() const {
    return {{"GATEHOUSE_DATA_DIR", data_dir_},
            {"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", admin_key},
            {"GATEHOUSE_SECRETS_KEY", "shutdown-test-secrets-key-0123456789abcdef"},
            {"STRIPE_SECRET_KEY", stripe_.secret_key()},
            {"STRIPE_API_BASE", stripe_.base_url()},
            {"STRIPE_WEBHOOK_SECRET", "whsec_shutdown"},
            {"SMTP_URL", sink_.url()},
            {"EMAIL_FROM", "Gatehouse <no-reply@example.com>"},
            {"OIDC_PROVIDERS", "example"},
            {"OIDC_EXAMPLE_ISSUER", "http://127.0.0.1:9/issuer"},
            {"OIDC_EXAMPLE_CLIENT_ID", "gatehouse"},
            {"OIDC_EXAMPLE_CLIENT_SECRET", "oidc-secret"},
            {"STORAGE_BACKEND", "s3"},
            {"S3_ENDPOINT", "http://127.0.0.1:9"},
            {"S3_REGION", "us-east-1"},
            {"S3_BUCKET", "gatehouse"},
            {"S3_ACCESS_KEY_ID", "test:tester"},
            {"S3_SECRET_ACCESS_KEY", "testing"},
            {"TELEGRAM_API_ID", "12345"},
            {"TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef"},
            {"TDLIB_PATH", data_dir_ + "/libtdjson.so"},
            {"GATEHOUSE_REGISTER_RATE", "1000"}};
  }

  /// Puts the Stripe callers to work (an operator creates a plan: a Product and a Price) and a
  /// mail on its way (a registration), so the actors that once held the shutdown are running.
  void use_providers(uint16_t port) {
    auto plan = http_call(port, "POST", "/api/v1/admin/plans",
                          R"({"name":"Pro","amount":1500,"currency":"EUR","interval":"month"})",
                          {{"Authorization", std::string{"ApiKey "} + admin_key},
                           {"Content-Type", "application/json"}});
    EXPECT_EQ(plan.status, 201) << plan.body;
    EXPECT_EQ(stripe_.requests_to("POST", "/v1/products").size(), 1U);
    EXPECT_FALSE(signed_up_token(port).empty());
  }

  /// Sends SIGTERM and requires exit code 0 within `limit`.
  static void expect_prompt_exit(gatehouse_process& gh, std::chrono::seconds limit) {
    const auto start = std::chrono::steady_clock::now();
    gh.process().signal(SIGTERM);
    const auto code = gh.process().wait_exit(limit + 10s);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(code.has_value()) << "gatehouse did not exit within " << (limit + 10s).count()
                                  << " s of SIGTERM:\n"
                                  << gh.process().stderr_text();
    EXPECT_EQ(*code, 0) << gh.process().stderr_text();
    EXPECT_LT(took, limit) << "exit took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms";
    EXPECT_NE(gh.process().stderr_text().find("gatehouse stopped"), std::string::npos);
  }

  fake_stripe stripe_;
  smtp_sink sink_;
  std::string data_dir_;
};

TEST_F(ShutdownWithProvidersTest, ExitsPromptlyOnSigtermWithEveryProviderConfigured) {
  scratch_database db;
  auto env = providers();
  env["DATABASE_URL"] = db.url();
  gatehouse_process gh{env};
  ASSERT_NE(gh.port(), 0);
  use_providers(gh.port());
  expect_prompt_exit(gh, 5s);
}

TEST_F(ShutdownWithProvidersTest, ExitsPromptlyOnSigtermWhenItsServicesAreGone) {
  service_set services;
  auto env = providers();
  env["DATABASE_URL"] = services.database_url();
  env["REDIS_URL"] = services.redis_url();
  env["NATS_URL"] = services.nats_url();
  gatehouse_process gh{env};
  ASSERT_NE(gh.port(), 0);
  use_providers(gh.port());
  // PostgreSQL, Redis and NATS go away under the running process; it notices, then is told to
  // stop while every client it has is reconnecting.
  services.stop_all();
  ASSERT_TRUE(eventually(30s, [&] {
    return http_call(gh.port(), "GET", "/readyz").body.find(R"("postgres":"down")") !=
           std::string::npos;
  }));
  expect_prompt_exit(gh, 5s);
}

} // namespace
} // namespace gh::test
