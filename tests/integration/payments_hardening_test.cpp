// Payments hardening end to end (issue 19): Stripe sends users back only to origins we trust,
// and a paid Checkout Session alone gives the user their subscription. Fixture in
// payments_fixture.hpp (fake Stripe, scratch database, nats-server of the test's own).
#include "tests/integration/payments_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace gh::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

/// True when `reply` is a 400 validation problem naming `field`.
bool refused_naming(const http_reply& reply, std::string_view field) {
  if (reply.status != 400)
    return false;
  const auto p = json::parse(reply.body).as_object();
  if (p.at("type").as_string() != "https://gatehouse.dev/problems/validation")
    return false;
  for (const auto& e : p.at("errors").as_array())
    if (e.at("field").as_string() == field)
      return true;
  return false;
}

TEST_F(PaymentsTest, StripeSendsUsersBackOnlyToOurOriginOrAnAllowedOne) {
  auto gh = start(); // GATEHOUSE_ALLOWED_REDIRECTS=https://app.example.com
  const auto plan = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto checkout = [&](const std::string& field, const std::string& url) {
    return http_call(gh->port(), "POST", "/api/v1/plans/checkout",
                     R"({"plan_id":")" + plan + R"(",")" + field + R"(":")" + url + R"("})",
                     u.auth());
  };
  const auto sessions_before = stripe_.requests_to("POST", "/v1/checkout/sessions").size();
  for (const std::string url :
       {"https://evil.example/welcome", "https://app.example.com.evil.example/",
        "http://app.example.com/", "https://app.example.com:8443/"}) {
    EXPECT_TRUE(refused_naming(checkout("success_url", url), "success_url")) << url;
    EXPECT_TRUE(refused_naming(checkout("cancel_url", url), "cancel_url")) << url;
    EXPECT_TRUE(refused_naming(http_call(gh->port(), "POST", "/api/v1/billing/portal",
                                         R"({"return_url":")" + url + R"("})", u.auth()),
                               "return_url"))
        << url;
  }
  // Nothing reached Stripe for them.
  EXPECT_EQ(stripe_.requests_to("POST", "/v1/checkout/sessions").size(), sessions_before);
  EXPECT_TRUE(stripe_.requests_to("POST", "/v1/billing_portal/sessions").empty());

  // The allowed origin (any path, any case) and our own are fine.
  auto ok = checkout("success_url", "https://APP.example.com/paid?x=1");
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto own = http_call(gh->port(), "POST", "/api/v1/plans/checkout",
                       R"({"plan_id":")" + plan + R"(","cancel_url":"http://127.0.0.1:8080/back"})",
                       u.auth());
  ASSERT_EQ(own.status, 201) << own.body;
  const auto sessions = stripe_.requests_to("POST", "/v1/checkout/sessions");
  ASSERT_EQ(sessions.size(), sessions_before + 2);
  EXPECT_EQ(sessions[sessions_before].params.at("success_url").as_string(),
            "https://APP.example.com/paid?x=1");
  EXPECT_EQ(sessions[sessions_before + 1].params.at("cancel_url").as_string(),
            "http://127.0.0.1:8080/back");
}

TEST_F(PaymentsTest, APaidCheckoutAloneGivesTheUserTheirSubscription) {
  auto gh = start();
  const auto plan = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto c = checkout(gh->port(), u, plan);
  const auto session =
      stripe_.complete_checkout(session_of(std::string{c.at("checkout_id").as_string()}));
  const auto sub_id = std::string{session.at("subscription").as_string()};
  // Only checkout.session.completed arrives: no customer.subscription.* event at all.
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("checkout.session.completed", session)).status,
            200);
  json::array subs;
  ASSERT_TRUE(eventually(30s, [&] {
    auto r = http_call(gh->port(), "GET", "/api/v1/subscriptions", {}, u.auth());
    subs = r.status == 200 ? json::parse(r.body).as_array() : json::array{};
    return subs.size() == 1;
  })) << gh->process().stderr_text();
  const auto& s = subs.front().as_object();
  EXPECT_EQ(s.at("plan_id").as_string(), plan);
  EXPECT_EQ(s.at("status").as_string(), "active");
  EXPECT_FALSE(s.at("cancel_at_period_end").as_bool());
  EXPECT_FALSE(stripe_.requests_to("GET", "/v1/subscriptions/" + sub_id).empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'subscription.updated'"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'payment.completed'"), "1");

  // The subscription event arriving later changes nothing and announces nothing new; a newer
  // state still wins.
  ASSERT_EQ(deliver(gh->port(),
                    stripe_.add_event("customer.subscription.created", stripe_.object(sub_id)))
                .status,
            200);
  auto past_due = stripe_.object(sub_id);
  past_due["status"] = "past_due";
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("customer.subscription.updated", past_due, true,
                                                  unix_now() + 30))
                .status,
            200);
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM subscriptions WHERE stripe_subscription_id = '" + sub_id +
                  "'") == "past_due";
  }));
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'subscription.updated'"), "2");
}

} // namespace
} // namespace gh::test
