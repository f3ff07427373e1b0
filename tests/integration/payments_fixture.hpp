#pragma once

// The fixture of the payments integration suites (payments_test.cpp, payments_hardening_test.cpp):
// the run's PostgreSQL (a scratch database per test), a nats-server of the test's own and a
// local fake Stripe that speaks Stripe's wire format. Gatehouse runs as a real process; webhooks
// are signed the way Stripe signs them.

#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <filesystem>
#include <map>
#include <string>
#include <thread>

namespace gh::test {

using namespace std::chrono_literals;
namespace json = boost::json;

inline constexpr const char* webhook_secret = "whsec_gatehouse_payments_test";
inline constexpr const char* admin_key = "bootstrap-admin-key-for-payments";

/// A signed-in user as the tests drive one.
struct user {
  std::string id;
  std::string token;

  std::map<std::string, std::string> auth() const {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  }
};

class PaymentsTest : public ::testing::Test {
protected:
  PaymentsTest() {
    char dir[] = "/tmp/gh-payments-XXXXXX";
    data_dir_ = ::mkdtemp(dir);
  }
  ~PaymentsTest() override {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  std::map<std::string, std::string> env() const {
    return {{"DATABASE_URL", db_.url()},
            {"NATS_URL", nats_.url()},
            {"GATEHOUSE_DATA_DIR", data_dir_},
            {"GATEHOUSE_REGISTER_RATE", "1000"},
            {"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", admin_key},
            {"STRIPE_SECRET_KEY", stripe_.secret_key()},
            {"STRIPE_API_BASE", stripe_.base_url()},
            {"STRIPE_WEBHOOK_SECRET", webhook_secret},
            {"GATEHOUSE_ALLOWED_REDIRECTS", "https://app.example.com"}};
  }

  std::unique_ptr<gatehouse_process> start(std::map<std::string, std::string> extra = {}) {
    for (auto& [k, v] : env())
      extra.try_emplace(k, v);
    return std::make_unique<gatehouse_process>(std::move(extra));
  }

  static user sign_up(uint16_t port) {
    user u;
    u.token = signed_up_token(port);
    auto me =
        http_call(port, "GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + u.token}});
    EXPECT_EQ(me.status, 200) << me.body;
    u.id = std::string{json::parse(me.body).at("id").as_string()};
    return u;
  }

  static http_reply admin(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = {},
                          std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", std::string{"ApiKey "} + admin_key);
    if (!body.empty())
      headers.emplace("Content-Type", "application/json");
    return http_call(port, method, target, body, headers);
  }

  /// Creates a monthly plan of 1500 EUR cents; its JSON.
  static json::object create_plan(uint16_t port, const std::string& name = "Pro") {
    auto r =
        admin(port, "POST", "/api/v1/admin/plans",
              R"({"name":")" + name + R"(","amount":1500,"currency":"EUR","interval":"month"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body).as_object() : json::object{};
  }

  /// Starts a checkout of `plan` for `u`; its JSON.
  static json::object checkout(uint16_t port, const user& u, const std::string& plan) {
    auto r = http_call(port, "POST", "/api/v1/plans/checkout", R"({"plan_id":")" + plan + R"("})",
                       u.auth());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body).as_object() : json::object{};
  }

  /// Posts `event` to the webhook endpoint, signed now.
  static http_reply deliver(uint16_t port, const json::object& event) {
    const auto body = json::serialize(event);
    return http_call(
        port, "POST", "/webhooks/stripe", body,
        {{"Content-Type", "application/json"},
         {"Stripe-Signature", stripe_signature_header(webhook_secret, unix_now(), body)}});
  }

  void query(const std::string& sql) { db_.exec(sql); }

  std::string scalar(const std::string& sql) { return db_.scalar(sql); }

  /// The Checkout Session id Stripe made for the checkout `checkout_id`.
  std::string session_of(const std::string& checkout_id) {
    return scalar("SELECT stripe_session_id FROM checkouts WHERE id = '" + checkout_id + "'");
  }

  /// A completed checkout for `u`: the session is paid in the fake and its events delivered.
  /// The subscription's id at Stripe.
  std::string subscribe(uint16_t port, const user& u, const std::string& plan) {
    const auto c = checkout(port, u, plan);
    const auto session =
        stripe_.complete_checkout(session_of(std::string{c.at("checkout_id").as_string()}));
    auto sub_id = std::string{session.at("subscription").as_string()};
    EXPECT_EQ(deliver(port, stripe_.add_event("checkout.session.completed", session)).status, 200);
    EXPECT_EQ(
        deliver(port, stripe_.add_event("customer.subscription.created", stripe_.object(sub_id)))
            .status,
        200);
    EXPECT_TRUE(eventually(30s, [&] {
      return scalar("SELECT status FROM subscriptions WHERE stripe_subscription_id = '" + sub_id +
                    "'") == "active";
    }));
    return sub_id;
  }

  scratch_database db_;
  nats_server nats_;
  fake_stripe stripe_;
  std::string data_dir_;
};

} // namespace gh::test
