#include "actors/payments/requests.hpp"
#include "actors/payments/stripe_events.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh::payments {
namespace {

namespace json = boost::json;

json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(StripeIds, AreCheckedByPrefixAndAlphabet) {
  EXPECT_TRUE(is_object_id("sub_1PabcXYZ", "sub"));
  EXPECT_TRUE(is_object_id("cs_test_a1B2", "cs"));
  EXPECT_FALSE(is_object_id("sub_", "sub"));
  EXPECT_FALSE(is_object_id("subx_1", "sub"));
  EXPECT_FALSE(is_object_id("sub_1'; DROP", "sub"));
  EXPECT_FALSE(is_object_id("sub_" + std::string(300, 'a'), "sub"));
  EXPECT_TRUE(is_event_id("evt_1NG8Du2eZvKYlo2CUI79vXWy"));
  EXPECT_FALSE(is_event_id("evt-1"));
  EXPECT_TRUE(is_event_type("customer.subscription.updated"));
  EXPECT_FALSE(is_event_type("customer..updated"));
  EXPECT_FALSE(is_event_type("Customer.Updated"));
}

TEST(StripeEvents, TheEnvelopeCheckNamesEveryProblem) {
  EXPECT_TRUE(
      check_event(obj(R"({"object":"event","id":"evt_1","type":"invoice.paid","created":1})"))
          .empty());
  const auto errors =
      check_event(obj(R"({"object":"charge","id":"ch_1","type":"","created":"x"})"));
  ASSERT_EQ(errors.size(), 4U);
  EXPECT_EQ(errors[0].field, "object");
  EXPECT_EQ(errors[3].field, "created");
}

TEST(StripeObjects, ASubscriptionReadsItsPriceAndPeriodFromEitherPlace) {
  auto old_shape = decode_subscription(obj(R"({"id":"sub_1","object":"subscription",
      "customer":"cus_1","status":"active","current_period_end":1700000000,
      "cancel_at_period_end":true,"metadata":{"user_id":"u"},
      "items":{"object":"list","data":[{"price":{"id":"price_1"}}]}})"));
  ASSERT_TRUE(std::holds_alternative<subscription>(old_shape));
  const auto& s = std::get<subscription>(old_shape);
  EXPECT_EQ(s.price_id, "price_1");
  EXPECT_EQ(s.current_period_end, 1700000000);
  EXPECT_TRUE(s.cancel_at_period_end);
  EXPECT_EQ(s.user_id, "u");
  // Newer API versions: the period on the item, the customer expanded.
  auto new_shape = decode_subscription(obj(R"({"id":"sub_2","customer":{"id":"cus_2"},
      "status":"past_due","items":{"data":[{"price":"price_2","current_period_end":42}]}})"));
  ASSERT_TRUE(std::holds_alternative<subscription>(new_shape));
  EXPECT_EQ(std::get<subscription>(new_shape).customer, "cus_2");
  EXPECT_EQ(std::get<subscription>(new_shape).current_period_end, 42);
}

TEST(StripeObjects, MalformedObjectsAreRefusedWithTheField) {
  auto field_of = [](const auto& decoded) { return std::get<object_error>(decoded).field; };
  EXPECT_EQ(field_of(decode_subscription(obj(R"({"id":"sub_1","status":"active"})"))), "customer");
  EXPECT_EQ(field_of(decode_subscription(obj(R"({"id":"sub_1","customer":"cus_1","status":7})"))),
            "status");
  EXPECT_EQ(
      field_of(decode_subscription(obj(
          R"({"id":"sub_1","customer":"cus_1","status":"active","cancel_at_period_end":"yes"})"))),
      "cancel_at_period_end");
  EXPECT_EQ(field_of(decode_invoice(obj(R"({"id":"in_1","customer":"cus_1","amount_due":-1,
      "amount_paid":0,"currency":"eur","status":"paid","created":1})"))),
            "amount_due");
  EXPECT_EQ(field_of(decode_invoice(obj(R"({"id":"in_1","customer":"cus_1","amount_due":1,
      "amount_paid":1,"currency":"EURO","status":"paid","created":1})"))),
            "currency");
  EXPECT_EQ(field_of(decode_invoice(obj(R"j({"id":"in_1","customer":"cus_1","amount_due":1,
      "amount_paid":1,"currency":"eur","status":"paid","created":1,
      "hosted_invoice_url":"javascript:alert(1)"})j"))),
            "hosted_invoice_url");
  EXPECT_EQ(field_of(decode_checkout_session(obj(R"({"id":"cs_1","status":"paid"})"))), "status");
  EXPECT_EQ(field_of(decode_charge(obj(R"({"id":"ch_1","amount_refunded":1.5})"))),
            "amount_refunded");
  EXPECT_EQ(field_of(decode_charge(obj(R"({"id":"re_1","amount_refunded":1})"))), "id");
}

TEST(StripeObjects, AnInvoiceFindsItsSubscriptionUnderParentToo) {
  auto decoded = decode_invoice(obj(R"({"id":"in_1","customer":"cus_1","amount_due":1500,
      "amount_paid":1500,"currency":"eur","status":"paid","created":1700000000,
      "payment_intent":"pi_1","parent":{"subscription_details":{"subscription":"sub_9"}}})"));
  ASSERT_TRUE(std::holds_alternative<invoice>(decoded));
  EXPECT_EQ(std::get<invoice>(decoded).subscription, "sub_9");
  EXPECT_EQ(std::get<invoice>(decoded).payment_intent, "pi_1");
}

TEST(StripeUuids, AreStablePerObjectAndDifferByKind) {
  EXPECT_EQ(subscription_uuid("sub_1"), subscription_uuid("sub_1"));
  EXPECT_NE(subscription_uuid("sub_1"), subscription_uuid("sub_2"));
  EXPECT_NE(subscription_uuid("x_1"), invoice_uuid("x_1"));
}

TEST(PaymentRequests, APlanNeedsEveryFieldAndNormalisesTheCurrency) {
  auto ok = decode_new_plan(R"({"name":"Pro","amount":1500,"currency":"EUR","interval":"month"})");
  ASSERT_TRUE(std::holds_alternative<new_plan>(ok));
  EXPECT_EQ(std::get<new_plan>(ok).currency, "eur");
  auto bad =
      decode_new_plan(R"({"name":" ","amount":100000000,"currency":"e1r","interval":"hour"})");
  ASSERT_TRUE(std::holds_alternative<field_errors>(bad));
  EXPECT_EQ(std::get<field_errors>(bad).size(), 4U);
  auto unknown =
      decode_new_plan(R"({"name":"Pro","amount":1,"currency":"eur","interval":"day","x":1})");
  ASSERT_TRUE(std::holds_alternative<field_errors>(unknown));
  EXPECT_EQ(std::get<field_errors>(unknown).front().field, "x");
  for (const auto* body : {"", "[]", "{", "null", "{\"name\":1e999}"})
    EXPECT_TRUE(std::holds_alternative<field_errors>(decode_new_plan(body))) << body;
}

TEST(PaymentRequests, OptionalBodiesMayBeEmptyButNotWrong) {
  ASSERT_TRUE(std::holds_alternative<cancel_request>(decode_cancel("")));
  EXPECT_TRUE(std::get<cancel_request>(decode_cancel("")).at_period_end);
  EXPECT_FALSE(std::get<cancel_request>(decode_cancel(R"({"at_period_end":false})")).at_period_end);
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_cancel(R"({"at_period_end":"no"})")));
  EXPECT_FALSE(std::get<refund_request>(decode_refund("  ")).amount);
  EXPECT_EQ(*std::get<refund_request>(decode_refund(R"({"amount":5})")).amount, 5);
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_refund(R"({"amount":0})")));
  EXPECT_TRUE(std::holds_alternative<field_errors>(
      decode_portal(R"({"return_url":"javascript:x"})", {"https://app.example.com"})));
}

const redirect_origins ours{"http://127.0.0.1:8080", "https://app.example.com"};

/// The fields `errors` of decoding `d` name.
template <class T>
std::vector<std::string> named(const decoded<T>& d) {
  std::vector<std::string> out;
  if (const auto* errors = std::get_if<field_errors>(&d))
    for (const auto& e : *errors)
      out.push_back(e.field);
  return out;
}

TEST(PaymentRequests, CheckoutUrlsMustBeWebUrlsWithoutCredentials) {
  const std::string plan = R"("plan_id":"0b4f3c9e-5d0a-4c44-9a53-2f0c5c1f6b11")";
  EXPECT_TRUE(std::holds_alternative<checkout_request>(
      decode_checkout("{" + plan + R"(,"success_url":"https://app.example.com/ok?x=1"})", ours)));
  for (const auto* url : {"ftp://x.example", "https://user:pw@x.example/", "/relative",
                          "https://x.example/\u0001", ""})
    EXPECT_TRUE(std::holds_alternative<field_errors>(
        decode_checkout("{" + plan + R"(,"success_url":")" + url + "\"}", ours)))
        << url;
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_checkout(R"({"plan_id":"p1"})", ours)));
  EXPECT_TRUE(is_payment_intent_id("pi_3MtwBw"));
  EXPECT_FALSE(is_payment_intent_id("ch_3MtwBw"));
}

TEST(PaymentRequests, RedirectsGoOnlyToOurOriginOrAnAllowedOne) {
  const std::string plan = R"("plan_id":"0b4f3c9e-5d0a-4c44-9a53-2f0c5c1f6b11")";
  const auto checkout = [&](const std::string& field, const std::string& url) {
    return decode_checkout("{" + plan + R"(,")" + field + R"(":")" + url + "\"}", ours);
  };
  for (const auto* url :
       {"http://127.0.0.1:8080/?checkout=complete", "https://app.example.com/billing?x=1",
        "HTTPS://App.Example.COM:443/done", "https://app.example.com"}) {
    EXPECT_TRUE(std::holds_alternative<checkout_request>(checkout("success_url", url))) << url;
    EXPECT_TRUE(std::holds_alternative<checkout_request>(checkout("cancel_url", url))) << url;
    EXPECT_TRUE(std::holds_alternative<portal_request>(
        decode_portal(R"({"return_url":")" + std::string{url} + "\"}", ours)))
        << url;
  }
  for (const auto* url :
       {"https://evil.example/", "https://app.example.com.evil.example/", "http://app.example.com/",
        "https://app.example.com:8443/", "http://127.0.0.1:8081/", "http://localhost:8080/",
        "https://evil.example/https://app.example.com"}) {
    EXPECT_EQ(named(checkout("success_url", url)), std::vector<std::string>{"success_url"}) << url;
    EXPECT_EQ(named(checkout("cancel_url", url)), std::vector<std::string>{"cancel_url"}) << url;
    EXPECT_EQ(named(decode_portal(R"({"return_url":")" + std::string{url} + "\"}", ours)),
              std::vector<std::string>{"return_url"})
        << url;
  }
  // With no origin allowed at all, nothing is.
  EXPECT_TRUE(std::holds_alternative<field_errors>(
      decode_portal(R"({"return_url":"https://app.example.com/"})", {})));
}

} // namespace
} // namespace gh::payments
