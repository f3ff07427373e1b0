// Payments against real parts: the run's PostgreSQL (a scratch database per test), a nats-server
// of the test's own and a local fake Stripe that speaks Stripe's wire format. Gatehouse runs as
// a real process; webhooks are signed the way Stripe signs them.
#include "tests/integration/payments_fixture.hpp"
#include "tests/support/nats_client.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace gh::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

TEST_F(PaymentsTest, AnOperatorCreatesAPlanInStripeAndUsersListIt) {
  auto gh = start();
  const auto plan = create_plan(gh->port());
  ASSERT_FALSE(plan.empty());
  EXPECT_EQ(plan.at("currency").as_string(), "eur");

  // Exactly what Stripe's API reference specifies, form-encoded with bracketed keys.
  const auto products = stripe_.requests_to("POST", "/v1/products");
  ASSERT_EQ(products.size(), 1U);
  EXPECT_EQ(products[0].params.at("name").as_string(), "Pro");
  EXPECT_EQ(products[0].params.at("metadata").at("plan_id").as_string(), plan.at("id").as_string());
  EXPECT_EQ(products[0].header("authorization"), "Bearer " + stripe_.secret_key());
  EXPECT_EQ(products[0].header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_FALSE(products[0].header("stripe-version").empty());
  EXPECT_FALSE(products[0].header("idempotency-key").empty());
  const auto prices = stripe_.requests_to("POST", "/v1/prices");
  ASSERT_EQ(prices.size(), 1U);
  EXPECT_EQ(prices[0].params.at("product").as_string(), plan.at("stripe_product_id").as_string());
  EXPECT_EQ(prices[0].params.at("unit_amount").as_string(), "1500");
  EXPECT_EQ(prices[0].params.at("currency").as_string(), "eur");
  EXPECT_EQ(prices[0].params.at("recurring").at("interval").as_string(), "month");
  EXPECT_NE(prices[0].header("idempotency-key"), products[0].header("idempotency-key"));

  const auto u = sign_up(gh->port());
  auto listed = http_call(gh->port(), "GET", "/api/v1/plans", {}, u.auth());
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto list = json::parse(listed.body).as_array();
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].at("id"), plan.at("id"));
  EXPECT_EQ(list[0].at("amount").as_int64(), 1500);
  EXPECT_EQ(list[0].at("interval").as_string(), "month");

  // Archived: Stripe stops selling it and users no longer see it.
  const auto archived =
      admin(gh->port(), "POST",
            "/api/v1/admin/plans/" + std::string{plan.at("id").as_string()} + "/archive");
  ASSERT_EQ(archived.status, 200) << archived.body;
  EXPECT_FALSE(
      stripe_.object(std::string{plan.at("stripe_price_id").as_string()}).at("active").as_bool());
  listed = http_call(gh->port(), "GET", "/api/v1/plans", {}, u.auth());
  EXPECT_EQ(json::parse(listed.body).as_array().size(), 0U);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action IN ('plan.created', 'plan.archived')"),
      "2");

  // Bad input names every problem and reaches neither Stripe nor the table.
  const auto bad = admin(gh->port(), "POST", "/api/v1/admin/plans",
                         R"({"name":"","amount":-1,"currency":"euro","interval":"fortnight"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body).at("errors").as_array().size(), 4U) << bad.body;
  // (The archive added one update of the product itself.)
  EXPECT_EQ(stripe_.requests_to("POST", "/v1/products").size(), 2U);
  // Without the scope's key: 401.
  EXPECT_EQ(http_call(gh->port(), "POST", "/api/v1/admin/plans", "{}",
                      {{"Content-Type", "application/json"}})
                .status,
            401);
}

TEST_F(PaymentsTest, ACheckoutIsFollowedToCompleteAndPushedToTheUsersWebSocket) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  ws_client ws{gh->port(), ws_bearer(u.token)};

  const auto c = checkout(gh->port(), u, plan_id);
  ASSERT_FALSE(c.empty());
  const auto checkout_id = std::string{c.at("checkout_id").as_string()};
  EXPECT_TRUE(c.at("url").as_string().starts_with("https://checkout.stripe.com/"));

  const auto sessions = stripe_.requests_to("POST", "/v1/checkout/sessions");
  ASSERT_EQ(sessions.size(), 1U);
  const auto& p = sessions[0].params;
  EXPECT_EQ(p.at("mode").as_string(), "subscription");
  EXPECT_EQ(p.at("line_items").at(0).at("price").as_string(),
            scalar("SELECT stripe_price_id FROM plans WHERE id = '" + plan_id + "'"));
  EXPECT_EQ(p.at("line_items").at(0).at("quantity").as_string(), "1");
  EXPECT_EQ(p.at("client_reference_id").as_string(), u.id);
  EXPECT_EQ(p.at("metadata").at("user_id").as_string(), u.id);
  EXPECT_EQ(p.at("metadata").at("checkout_id").as_string(), checkout_id);
  EXPECT_EQ(p.at("subscription_data").at("metadata").at("user_id").as_string(), u.id);
  const auto customer = std::string{p.at("customer").as_string()};
  EXPECT_EQ(scalar("SELECT customer_id FROM stripe_customers WHERE user_id = '" + u.id + "'"),
            customer);
  EXPECT_EQ(sessions[0].header("idempotency-key"), "gh-checkout-" + checkout_id);

  auto status = http_call(gh->port(), "GET", "/api/v1/checkout/" + checkout_id, {}, u.auth());
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(json::parse(status.body).at("status").as_string(), "open");
  EXPECT_EQ(json::parse(status.body).at("plan_id").as_string(), plan_id);

  // A second checkout reuses the customer: Stripe made one for this user.
  checkout(gh->port(), u, plan_id);
  EXPECT_EQ(stripe_.requests_to("POST", "/v1/customers").size(), 1U);

  const auto session = stripe_.complete_checkout(session_of(checkout_id));
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("checkout.session.completed", session)).status,
            200);
  ASSERT_TRUE(eventually(30s, [&] {
    auto r = http_call(gh->port(), "GET", "/api/v1/checkout/" + checkout_id, {}, u.auth());
    return r.status == 200 && json::parse(r.body).at("status").as_string() == "complete";
  })) << gh->process().stderr_text();
  std::optional<std::string> frame;
  for (int i = 0; i < 10 && !(frame && frame->find("payment.completed") != std::string::npos); ++i)
    frame = ws.read(5s);
  ASSERT_TRUE(frame);
  const auto pushed = json::parse(*frame);
  EXPECT_EQ(pushed.at("event").as_string(), "payment.completed");
  EXPECT_EQ(pushed.at("data").at("checkout_id").as_string(), checkout_id);
  EXPECT_EQ(pushed.at("data").at("plan_id").as_string(), plan_id);

  // The subscription and its invoice arrive as their own events.
  const auto sub_id = std::string{session.at("subscription").as_string()};
  ASSERT_EQ(deliver(gh->port(),
                    stripe_.add_event("customer.subscription.created", stripe_.object(sub_id)))
                .status,
            200);
  ASSERT_TRUE(eventually(30s, [&] {
    auto r = http_call(gh->port(), "GET", "/api/v1/subscriptions", {}, u.auth());
    const auto list = json::parse(r.body).as_array();
    return list.size() == 1 && list[0].at("status").as_string() == "active";
  }));
  auto subs = json::parse(http_call(gh->port(), "GET", "/api/v1/subscriptions", {}, u.auth()).body);
  EXPECT_EQ(subs.at(0).at("plan_id").as_string(), plan_id);
  EXPECT_FALSE(subs.at(0).at("cancel_at_period_end").as_bool());
  EXPECT_FALSE(subs.at(0).at("current_period_end").is_null());
}

TEST_F(PaymentsTest, DuplicatesApplyOnceAndAnOlderSubscriptionStateNeverWins) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto sub_id = subscribe(gh->port(), u, plan_id);
  const auto now = unix_now();

  auto past_due = stripe_.object(sub_id);
  past_due["status"] = "past_due";
  auto newer = stripe_.add_event("customer.subscription.updated", past_due, true, now + 20);
  auto active = stripe_.object(sub_id);
  auto older = stripe_.add_event("customer.subscription.updated", active, true, now + 10);
  // The newer state first, then the older one, then the newer one again (a redelivery).
  ASSERT_EQ(deliver(gh->port(), newer).status, 200);
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM subscriptions WHERE stripe_subscription_id = '" + sub_id +
                  "'") == "past_due";
  }));
  ASSERT_EQ(deliver(gh->port(), older).status, 200);
  const auto again = deliver(gh->port(), newer);
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(json::parse(again.body).at("duplicate").as_bool());
  // Wait until the worker has taken the older event in, then look.
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT count(*) FROM processed_events WHERE consumer = 'stripe'") == "4";
  }));
  EXPECT_EQ(
      scalar("SELECT status FROM subscriptions WHERE stripe_subscription_id = '" + sub_id + "'"),
      "past_due");
  // One row per subscription, one applied change per applied event.
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'subscription.updated'"), "2");

  // Two states in the same second: Stripe's current one decides.
  const auto fetched_before = stripe_.requests_to("GET", "/v1/subscriptions/" + sub_id).size();
  auto canceled = stripe_.object(sub_id);
  canceled["status"] = "canceled";
  stripe_.put_object(canceled);
  auto tie_a = stripe_.object(sub_id);
  tie_a["status"] = "active";
  ASSERT_EQ(
      deliver(gh->port(), stripe_.add_event("customer.subscription.updated", tie_a, true, now + 20))
          .status,
      200);
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM subscriptions WHERE stripe_subscription_id = '" + sub_id +
                  "'") == "canceled";
  })) << gh->process().stderr_text();
  EXPECT_EQ(stripe_.requests_to("GET", "/v1/subscriptions/" + sub_id).size(), fetched_before + 1);
}

TEST_F(PaymentsTest, AMalformedEventIsDeadLetteredAndTheNextOneStillApplies) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto sub_id = subscribe(gh->port(), u, plan_id);

  auto broken = stripe_.object(sub_id);
  broken.erase("customer");
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("customer.subscription.updated", broken, true,
                                                  unix_now() + 5))
                .status,
            200);
  auto fine = stripe_.object(sub_id);
  fine["cancel_at_period_end"] = true;
  ASSERT_EQ(deliver(gh->port(),
                    stripe_.add_event("customer.subscription.updated", fine, true, unix_now() + 6))
                .status,
            200);
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT cancel_at_period_end::text FROM subscriptions") == "true";
  }));
  child_process list{{required_env("GATEHOUSE_BIN"), "dlq", "list"},
                     {{"NATS_URL", nats_.url()}, {"DATABASE_URL", db_.url()}}};
  auto line = list.wait_for_line(R"("consumer":"stripe")", 20s);
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("customer.subscription.updated"), std::string::npos);
  EXPECT_NE(line->find("data.object.customer"), std::string::npos) << *line;
}

TEST_F(PaymentsTest, ACheckoutPastItsExpiryAsksStripeHowItEndedAfterARestart) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto lapsed = std::string{checkout(gh->port(), u, plan_id).at("checkout_id").as_string()};
  const auto paid = std::string{checkout(gh->port(), u, plan_id).at("checkout_id").as_string()};
  // Stripe ended both sessions, and neither webhook arrived.
  auto session = stripe_.object(session_of(lapsed));
  session["status"] = "expired";
  stripe_.put_object(session);
  stripe_.complete_checkout(session_of(paid));
  query("UPDATE checkouts SET expires_at = now() - interval '1 minute'");
  // After a restart each checkout's actor is found again from its row.
  gh.reset();
  gh = start();
  auto status_of = [&](const std::string& id) {
    auto r = http_call(gh->port(), "GET", "/api/v1/checkout/" + id, {}, u.auth());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string{json::parse(r.body).at("status").as_string()}
                           : std::string{};
  };
  EXPECT_EQ(status_of(lapsed), "expired");
  EXPECT_EQ(scalar("SELECT status FROM checkouts WHERE id = '" + lapsed + "'"), "expired");
  EXPECT_EQ(stripe_.requests_to("GET", "/v1/checkout/sessions/" + session_of(lapsed)).size(), 1U);
  // Paid: answered as Stripe says, recorded (with its subscription and payment.completed) only
  // by the webhook or the reconcile job.
  EXPECT_EQ(status_of(paid), "complete");
  EXPECT_EQ(scalar("SELECT status FROM checkouts WHERE id = '" + paid + "'"), "open");
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("checkout.session.completed",
                                                  stripe_.object(session_of(paid))))
                .status,
            200);
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM checkouts WHERE id = '" + paid + "'") == "complete";
  }));
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'payment.completed'"), "1");
  EXPECT_FALSE(
      scalar("SELECT stripe_subscription_id FROM checkouts WHERE id = '" + paid + "'").empty());
}

TEST_F(PaymentsTest, AnEventQueuedBeforeARestartIsAppliedAfterIt) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto c = checkout(gh->port(), u, plan_id);
  const auto checkout_id = std::string{c.at("checkout_id").as_string()};
  // NATS is down: the webhook is still acknowledged, from the outbox; then Gatehouse dies.
  nats_.stop();
  const auto session = stripe_.complete_checkout(session_of(checkout_id));
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("checkout.session.completed", session)).status,
            200);
  gh.reset();
  EXPECT_EQ(scalar("SELECT status FROM checkouts WHERE id = '" + checkout_id + "'"), "open");
  nats_.start();
  gh = start();
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM checkouts WHERE id = '" + checkout_id + "'") == "complete";
  })) << gh->process().stderr_text();
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'payment.completed'"), "1");
}

TEST_F(PaymentsTest, AUserNeverSeesAnotherUsersCheckoutSubscriptionOrInvoice) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto a = sign_up(gh->port());
  const auto b = sign_up(gh->port());
  const auto sub_id = subscribe(gh->port(), a, plan_id);
  const auto invoice_id = std::string{stripe_.object(sub_id).at("latest_invoice").as_string()};
  ASSERT_EQ(
      deliver(gh->port(), stripe_.add_event("invoice.paid", stripe_.object(invoice_id))).status,
      200);
  ASSERT_TRUE(eventually(30s, [&] { return scalar("SELECT count(*) FROM invoices") == "1"; }));
  const auto checkout_id = scalar("SELECT id::text FROM checkouts LIMIT 1");
  const auto our_sub = scalar("SELECT id::text FROM subscriptions LIMIT 1");

  EXPECT_EQ(http_call(gh->port(), "GET", "/api/v1/checkout/" + checkout_id, {}, b.auth()).status,
            404);
  EXPECT_EQ(
      http_call(gh->port(), "POST", "/api/v1/subscriptions/" + our_sub + "/cancel", {}, b.auth())
          .status,
      404);
  EXPECT_EQ(json::parse(http_call(gh->port(), "GET", "/api/v1/subscriptions", {}, b.auth()).body)
                .as_array()
                .size(),
            0U);
  EXPECT_EQ(json::parse(http_call(gh->port(), "GET", "/api/v1/invoices", {}, b.auth()).body)
                .as_array()
                .size(),
            0U);
  EXPECT_EQ(http_call(gh->port(), "POST", "/api/v1/billing/portal", {}, b.auth()).status, 404);
  // Nothing went to Stripe for B's attempts.
  EXPECT_TRUE(stripe_.requests_to("POST", "/v1/subscriptions/").empty());

  // A's own view.
  const auto invoices =
      json::parse(http_call(gh->port(), "GET", "/api/v1/invoices", {}, a.auth()).body).as_array();
  ASSERT_EQ(invoices.size(), 1U);
  EXPECT_EQ(invoices[0].at("amount_paid").as_int64(), 1500);
  EXPECT_EQ(invoices[0].at("status").as_string(), "paid");
  EXPECT_EQ(invoices[0].at("currency").as_string(), "eur");
  const auto portal = http_call(gh->port(), "POST", "/api/v1/billing/portal",
                                R"({"return_url":"https://app.example.com/billing"})", a.auth());
  ASSERT_EQ(portal.status, 200) << portal.body;
  EXPECT_TRUE(
      json::parse(portal.body).at("url").as_string().starts_with("https://billing.stripe.com/"));
  const auto portals = stripe_.requests_to("POST", "/v1/billing_portal/sessions");
  ASSERT_EQ(portals.size(), 1U);
  EXPECT_EQ(portals[0].params.at("return_url").as_string(), "https://app.example.com/billing");
}

TEST_F(PaymentsTest, CancellingAtPeriodEndAndRefundingGoThroughStripe) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto sub_id = subscribe(gh->port(), u, plan_id);
  const auto our_sub = scalar("SELECT id::text FROM subscriptions");

  const auto cancelled =
      http_call(gh->port(), "POST", "/api/v1/subscriptions/" + our_sub + "/cancel", {}, u.auth());
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_TRUE(json::parse(cancelled.body).at("cancel_at_period_end").as_bool());
  EXPECT_EQ(json::parse(cancelled.body).at("status").as_string(), "active");
  const auto updates = stripe_.requests_to("POST", "/v1/subscriptions/" + sub_id);
  ASSERT_EQ(updates.size(), 1U);
  EXPECT_EQ(updates[0].params.at("cancel_at_period_end").as_string(), "true");

  const auto invoice =
      stripe_.object(std::string{stripe_.object(sub_id).at("latest_invoice").as_string()});
  const auto pi = std::string{invoice.at("payment_intent").as_string()};
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("invoice.paid", invoice)).status, 200);
  const auto refund =
      admin(gh->port(), "POST", "/api/v1/admin/payments/" + pi + "/refund", R"({"amount":500})");
  ASSERT_EQ(refund.status, 201) << refund.body;
  EXPECT_EQ(json::parse(refund.body).at("amount").as_int64(), 500);
  // A double click refunds once: the same idempotency key.
  EXPECT_EQ(
      admin(gh->port(), "POST", "/api/v1/admin/payments/" + pi + "/refund", R"({"amount":500})")
          .status,
      201);
  const auto refunds = stripe_.requests_to("POST", "/v1/refunds");
  ASSERT_EQ(refunds.size(), 2U);
  EXPECT_EQ(refunds[0].params.at("payment_intent").as_string(), pi);
  EXPECT_EQ(refunds[0].params.at("amount").as_string(), "500");
  EXPECT_EQ(refunds[0].header("idempotency-key"), refunds[1].header("idempotency-key"));
  EXPECT_EQ(scalar("SELECT count(*) FROM refunds"), "1");

  json::object charge{{"id", "ch_gatehousetest01"},
                      {"object", "charge"},
                      {"payment_intent", pi},
                      {"amount_refunded", 500},
                      {"refunded", false}};
  ASSERT_EQ(deliver(gh->port(), stripe_.add_event("charge.refunded", charge)).status, 200);
  ASSERT_TRUE(eventually(30s, [&] {
    auto list = json::parse(http_call(gh->port(), "GET", "/api/v1/invoices", {}, u.auth()).body);
    return list.as_array().size() == 1 && list.at(0).at("amount_refunded").as_int64() == 500;
  }));
  // An unknown payment is Stripe's 404, mapped.
  EXPECT_EQ(admin(gh->port(), "POST", "/api/v1/admin/payments/pi_unknown000000/refund").status,
            404);
}

TEST_F(PaymentsTest, StripeFailuresAreRetriedWithOneIdempotencyKeyAndOutagesAre503) {
  auto gh = start();
  stripe_.fail_next(2, 500);
  const auto plan = create_plan(gh->port());
  ASSERT_FALSE(plan.empty());
  const auto products = stripe_.requests_to("POST", "/v1/products");
  ASSERT_EQ(products.size(), 3U);
  EXPECT_EQ(products[0].header("idempotency-key"), products[2].header("idempotency-key"));
  EXPECT_EQ(scalar("SELECT count(*) FROM plans"), "1");

  stripe_.fail_next(100, 503);
  const auto down = admin(gh->port(), "POST", "/api/v1/admin/plans",
                          R"({"name":"Team","amount":900,"currency":"usd","interval":"year"})");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find("provider-unavailable"), std::string::npos);
  EXPECT_EQ(scalar("SELECT count(*) FROM plans"), "1");
  stripe_.fail_next(0);
}

TEST_F(PaymentsTest, ReconcileFeedsEventsStripeFailedToDeliver) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto c = checkout(gh->port(), u, plan_id);
  const auto checkout_id = std::string{c.at("checkout_id").as_string()};
  const auto session = stripe_.complete_checkout(session_of(checkout_id));
  // Stripe could not deliver these: only reconcile finds them.
  stripe_.add_event("checkout.session.completed", session, false);
  const auto sub_id = std::string{session.at("subscription").as_string()};
  stripe_.add_event("customer.subscription.created", stripe_.object(sub_id), false);

  auto run = [&] {
    child_process cli{{required_env("GATEHOUSE_BIN"), "stripe", "reconcile"}, env()};
    auto line = cli.wait_for_line("\"listed\"", 30s);
    EXPECT_EQ(cli.wait_exit(30s), 0) << cli.stderr_text();
    return line ? json::parse(*line).as_object() : json::object{};
  };
  const auto first = run();
  EXPECT_EQ(first.at("queued").as_int64(), 2) << json::serialize(first);
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM checkouts WHERE id = '" + checkout_id + "'") == "complete" &&
           scalar("SELECT status FROM subscriptions") == "active";
  })) << gh->process().stderr_text();
  // A second pass finds nothing new.
  EXPECT_EQ(run().at("queued").as_int64(), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'payment.completed'"), "1");
}

TEST_F(PaymentsTest, ReconcileOverNatsQueuesWhatTheCommandWould) {
  auto gh = start();
  const auto plan_id = std::string{create_plan(gh->port()).at("id").as_string()};
  const auto u = sign_up(gh->port());
  const auto checkout_id =
      std::string{checkout(gh->port(), u, plan_id).at("checkout_id").as_string()};
  const auto session = stripe_.complete_checkout(session_of(checkout_id));
  stripe_.add_event("checkout.session.completed", session, false);

  // `nats req gatehouse.ops.stripe.reconcile '{"days":1}'`: the command's pass and report.
  nats_client client{nats_.url()};
  ASSERT_TRUE(eventually(30s, [&] { return !client.request("gatehouse.ops.health").empty(); }));
  const auto run = [&] {
    const auto reply = client.request("gatehouse.ops.stripe.reconcile", R"({"days":1})", 30s);
    EXPECT_TRUE(reply);
    if (!reply)
      return json::object{};
    EXPECT_EQ(reply->headers.count("Nats-Service-Error-Code"), 0U) << reply->body;
    return json::parse(reply->body).as_object();
  };
  const auto first = run();
  EXPECT_EQ(first.at("queued").as_int64(), 1) << json::serialize(first);
  EXPECT_TRUE(first.at("complete").as_bool());
  ASSERT_TRUE(eventually(30s, [&] {
    return scalar("SELECT status FROM checkouts WHERE id = '" + checkout_id + "'") == "complete";
  })) << gh->process().stderr_text();
  EXPECT_EQ(run().at("queued").as_int64(), 0);

  // Stripe failing midway: 502 with the report, never a crash.
  stripe_.fail_next(100, 503);
  const auto down = client.request("gatehouse.ops.stripe.reconcile", "", 30s);
  stripe_.fail_next(0);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->headers.at("Nats-Service-Error-Code"), "502") << down->body;
  EXPECT_FALSE(json::parse(down->body).at("complete").as_bool());
}

TEST_F(PaymentsTest, WithoutAStripeKeyPaymentsAnswerNotConfigured) {
  auto gh = start({{"STRIPE_SECRET_KEY", ""}});
  const auto u = sign_up(gh->port());
  const auto r = http_call(gh->port(), "GET", "/api/v1/plans", {}, u.auth());
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not-configured"), std::string::npos);
  EXPECT_EQ(http_call(gh->port(), "GET", "/api/v1/plans").status, 401);
}

} // namespace
} // namespace gh::test
