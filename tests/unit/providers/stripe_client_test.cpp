#include "providers/loopback.hpp"
#include "providers/stripe/client.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh::stripe {
namespace {

TEST(StripeForm, EncodesBracketedKeysAndEveryReservedByte) {
  EXPECT_EQ(encode_form({{"line_items[0][price]", "price_1"}, {"line_items[0][quantity]", "1"}}),
            "line_items%5B0%5D%5Bprice%5D=price_1&line_items%5B0%5D%5Bquantity%5D=1");
  EXPECT_EQ(encode_form({{"success_url", "https://a.example/?x=1&y=2 z"}}),
            "success_url=https%3A%2F%2Fa.example%2F%3Fx%3D1%26y%3D2%20z");
  EXPECT_EQ(encode_form({{"name", "Zoë ~ Pro-1.0_"}}), "name=Zo%C3%AB%20~%20Pro-1.0_");
  EXPECT_EQ(encode_form({}), "");
  EXPECT_EQ(encode_form({{"empty", ""}}), "empty=");
}

result mapped(int status, std::string_view body) {
  result out;
  map_error(status, boost::json::parse(body).as_object(), out);
  return out;
}

TEST(StripeErrors, MapToGatehouseProblems) {
  auto missing = mapped(404, R"({"error":{"type":"invalid_request_error","code":"resource_missing",
      "message":"No such payment_intent: 'pi_1'","param":"payment_intent"}})");
  EXPECT_EQ(missing.error, gh_errc::not_found);
  EXPECT_EQ(missing.code, "resource_missing");
  EXPECT_EQ(missing.param, "payment_intent");

  auto invalid = mapped(400, R"({"error":{"type":"invalid_request_error",
      "message":"Missing required param: currency.","param":"currency"}})");
  EXPECT_EQ(invalid.error, gh_errc::validation);
  EXPECT_EQ(invalid.detail, "Missing required param: currency.");

  EXPECT_EQ(mapped(402, R"({"error":{"type":"card_error","message":"declined"}})").error,
            gh_errc::validation);
  EXPECT_EQ(mapped(400, R"({"error":{"type":"idempotency_error","message":"reused"}})").error,
            gh_errc::conflict);
  EXPECT_EQ(mapped(429, R"({"error":{"type":"rate_limit_error"}})").error,
            gh_errc::provider_unavailable);
  EXPECT_EQ(mapped(503, "{}").error, gh_errc::provider_unavailable);

  // Stripe quotes part of a refused key; the caller never sees it.
  auto key = mapped(401, R"({"error":{"type":"invalid_request_error",
      "message":"Invalid API Key provided: sk_test_****abcd"}})");
  EXPECT_EQ(key.error, gh_errc::provider_unavailable);
  EXPECT_EQ(key.detail.find("sk_"), std::string::npos);
}

TEST(StripeClient, SpeaksPlainHttpOnlyToLoopback) {
  auto with = [](std::string base) {
    client_options o;
    o.api_base = std::move(base);
    o.secret_key = config::secret{"sk_test_x"};
    return client{std::move(o)}.usable();
  };
  EXPECT_TRUE(with("https://api.stripe.com"));
  EXPECT_TRUE(with("http://127.0.0.1:12111"));
  EXPECT_TRUE(with("http://localhost:12111/stripe"));
  EXPECT_FALSE(with("http://api.stripe.com"));
  EXPECT_FALSE(with("http://10.0.0.1"));
  EXPECT_FALSE(with("ftp://127.0.0.1"));
  EXPECT_FALSE(with("not a url"));
}

TEST(Loopback, IsOnlyAnAddressOfThisMachineOrLocalhost) {
  for (const auto* host : {"localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const auto* host : {"127.example.com", "10.0.0.1", "[::2]", "", "[]", "localhost.evil"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(StripeClient, AnUnreachableStripeIsProviderUnavailableAfterItsAttempts) {
  client_options o;
  o.api_base = "http://127.0.0.1:1"; // nothing listens on port 1
  o.secret_key = config::secret{"sk_test_x"};
  o.max_attempts = 2;
  o.first_backoff = std::chrono::milliseconds{1};
  client c{std::move(o)};
  const auto r = c.post("/v1/customers", {{"email", "a@example.com"}}, "k1");
  EXPECT_EQ(r.error, gh_errc::provider_unavailable);
  EXPECT_EQ(r.status, 0);
}

} // namespace
} // namespace gh::stripe
