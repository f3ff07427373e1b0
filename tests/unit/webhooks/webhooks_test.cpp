#include "actors/webhooks/delivery_plan.hpp"
#include "actors/webhooks/event_patterns.hpp"
#include "actors/webhooks/requests.hpp"
#include "actors/webhooks/webhook_url.hpp"
#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gh::webhooks {
namespace {

using namespace std::chrono_literals;

const url_policy production{false, false};
const url_policy development{true, false};
const url_policy allow_private{false, true};

TEST(CryptoBase64Test, RoundTripsAndRefusesBadPadding) {
  for (const std::string& bytes :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\xff\xfe\x00", 3)})
    EXPECT_EQ(crypto::base64_decode(crypto::base64_encode(bytes)), bytes);
  EXPECT_EQ(crypto::base64_encode("ab"), "YWI=");
  EXPECT_EQ(crypto::base64_decode("YWI"), "ab"); // unpadded is accepted too
  for (const std::string& bad :
       std::vector<std::string>{"Y", "YW=I", "YWI==", "YW-_", "YW\n=", "Y==="})
    EXPECT_FALSE(crypto::base64_decode(bad).has_value()) << bad;
}

TEST(EventPatternsTest, ExactWildcardAndEverything) {
  EXPECT_TRUE(matches("user.created", "user.created"));
  EXPECT_FALSE(matches("user.created", "user.created.x"));
  EXPECT_TRUE(matches("payment.*", "payment.completed"));
  EXPECT_TRUE(matches("payment.*", "payment.a.b"));
  EXPECT_FALSE(matches("payment.*", "payment"));
  EXPECT_FALSE(matches("payment.*", "payments.completed"));
  EXPECT_FALSE(matches("payment.*", "subscription.updated"));
  EXPECT_TRUE(matches("*", "org.member_added"));
  EXPECT_TRUE(any_matches({"user.created", "payment.*"}, "payment.completed"));
  EXPECT_FALSE(any_matches({}, "user.created"));
}

TEST(EventPatternsTest, MalformedAndInternalPatternsAreRefused) {
  for (const std::string& good :
       std::vector<std::string>{"*", "user.created", "payment.*", "org.member_added", "a-b.c"})
    EXPECT_FALSE(pattern_problem(good).has_value()) << good;
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "user.", ".user", "user..created", "user.*.x", "*.created", "user*", "User.x",
           "user created", "user.>", "email.send", "email.*", "stripe.webhook.x", "idp.*", "dlq.x",
           std::string(101, 'a'), std::string("us\0er", 5), "ü.x"})
    EXPECT_TRUE(pattern_problem(bad).has_value()) << bad;
  EXPECT_TRUE(deliverable("user.created"));
  EXPECT_FALSE(deliverable("email.send"));
  EXPECT_FALSE(deliverable("stripe.webhook.invoice.paid"));
}

std::string url_problem(const std::string& text, const url_policy& p) {
  auto r = parse_endpoint_url(text, p);
  if (auto* problem = std::get_if<std::string>(&r))
    return *problem;
  return check_addresses(std::get<endpoint_url>(r), {std::get<endpoint_url>(r).host}, p).problem;
}

TEST(WebhookUrlTest, ParsesHostsPortsAndTargets) {
  auto r = parse_endpoint_url("https://Hooks.Example.com:8443/in/x?a=1", production);
  ASSERT_TRUE(std::holds_alternative<endpoint_url>(r));
  const auto& u = std::get<endpoint_url>(r);
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "hooks.example.com");
  EXPECT_EQ(u.port, "8443");
  EXPECT_EQ(u.target, "/in/x?a=1");
  EXPECT_FALSE(u.ip_literal);
  const auto v6 =
      std::get<endpoint_url>(parse_endpoint_url("https://[2001:4860::8888]", production));
  EXPECT_EQ(v6.host, "2001:4860::8888");
  EXPECT_EQ(v6.port, "443");
  EXPECT_EQ(v6.target, "/");
  EXPECT_TRUE(v6.ip_literal);
}

TEST(WebhookUrlTest, NumericHostFormsAreRefusedWhateverTheyPointAt) {
  // 127.0.0.1 and 10.0.0.1 in decimal, hex, octal and shortened forms, and mixed ones.
  for (const std::string& host : std::vector<std::string>{
           "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "017700000001", "127.1",
           "127.0.1", "167772161", "0xa000001", "012.0.0.1", "10.1", "1.2.3.04", "127.000.0.1",
           "8.8.8.8.", "0x08.8.8.8", "08.8.8.8", "1.1"})
    for (const auto* policy : {&production, &development, &allow_private})
      EXPECT_FALSE(url_problem("https://" + host + "/", *policy).empty()) << host;
}

TEST(WebhookUrlTest, PrivateLoopbackLinkLocalUniqueLocalAndMappedAreRefused) {
  for (const std::string& host : std::vector<std::string>{"127.0.0.1",
                                                          "10.0.0.1",
                                                          "172.16.5.4",
                                                          "172.31.255.255",
                                                          "192.168.0.1",
                                                          "169.254.169.254",
                                                          "100.64.0.1",
                                                          "198.18.0.1",
                                                          "0.0.0.0",
                                                          "224.0.0.1",
                                                          "255.255.255.255",
                                                          "240.0.0.1",
                                                          "192.0.2.1",
                                                          "[::1]",
                                                          "[::]",
                                                          "[fe80::1]",
                                                          "[fd12:3456::1]",
                                                          "[fc00::1]",
                                                          "[ff02::1]",
                                                          "[::ffff:127.0.0.1]",
                                                          "[::ffff:10.0.0.1]",
                                                          "[::ffff:7f00:1]",
                                                          "[::10.0.0.1]",
                                                          "[64:ff9b::7f00:1]",
                                                          "[64:ff9b:1::1]",
                                                          "[2002:a00:1::]",
                                                          "[fec0::1]",
                                                          "[2001:db8::1]"})
    EXPECT_FALSE(url_problem("https://" + host + "/", production).empty()) << host;
  for (const std::string& host :
       std::vector<std::string>{"8.8.8.8", "1.1.1.1", "172.32.0.1", "[2001:4860::8888]",
                                "[::ffff:8.8.8.8]", "[2002:808:808::]"})
    EXPECT_EQ(url_problem("https://" + host + "/", production), "") << host;
}

TEST(WebhookUrlTest, DevelopmentAllowsLoopbackOverHttpAndTheEscapeAllowsPrivate) {
  EXPECT_EQ(url_problem("http://127.0.0.1:9000/hook", development), "");
  EXPECT_EQ(url_problem("https://[::1]/", development), "");
  EXPECT_FALSE(url_problem("http://127.0.0.1/", production).empty());
  EXPECT_FALSE(url_problem("http://10.0.0.1/", development).empty());
  EXPECT_FALSE(url_problem("https://10.0.0.1/", development).empty());
  EXPECT_EQ(url_problem("https://10.0.0.1/", allow_private), "");
  EXPECT_EQ(url_problem("https://[fd00::1]/", allow_private), "");
  EXPECT_EQ(url_problem("https://127.0.0.1/", allow_private), "");
  EXPECT_FALSE(url_problem("http://10.0.0.1/", allow_private).empty()); // https only
  EXPECT_FALSE(url_problem("https://0.0.0.0/", allow_private).empty());
  EXPECT_FALSE(url_problem("https://[ff02::1]/", allow_private).empty());
}

TEST(WebhookUrlTest, EveryResolvedAddressIsChecked) {
  const auto u =
      std::get<endpoint_url>(parse_endpoint_url("https://hooks.example.com/", production));
  EXPECT_EQ(check_addresses(u, {"93.184.216.34"}, production).problem, "");
  // One private address among public ones refuses the name (DNS rebinding, split answers).
  EXPECT_FALSE(check_addresses(u, {"93.184.216.34", "10.0.0.7"}, production).problem.empty());
  EXPECT_FALSE(
      check_addresses(u, {"2606:2800::1", "::ffff:127.0.0.1"}, production).problem.empty());
  EXPECT_FALSE(check_addresses(u, {}, production).problem.empty());
  EXPECT_FALSE(check_addresses(u, {"not-an-ip"}, production).problem.empty());
  const auto plain = std::get<endpoint_url>(parse_endpoint_url("http://localhost:1/", development));
  EXPECT_EQ(check_addresses(plain, {"127.0.0.1", "::1"}, development).problem, "");
  EXPECT_FALSE(check_addresses(plain, {"127.0.0.1", "8.8.8.8"}, development).problem.empty());
}

TEST(WebhookUrlTest, MalformedUrlsAreRefused) {
  for (const std::string& bad :
       std::vector<std::string>{"",
                                "hooks.example.com",
                                "//hooks.example.com/",
                                "https://",
                                "https:///x",
                                "ftp://example.com/",
                                "https://user@example.com/",
                                "https://u:p@example.com/",
                                "https://example.com/#f",
                                "https://exa mple.com/",
                                "https://ex%61mple.com/",
                                "https://example.com:0/",
                                "https://example.com:65536/",
                                "https://example.com:08080/",
                                "https://[v1.x]/",
                                "https://-.com/",
                                "https://a_b.com/",
                                "https://ä.com/",
                                "https://" + std::string(64, 'a') + ".com/",
                                "https://example.com/\x01",
                                "https://" + std::string(2100, 'a')})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_endpoint_url(bad, development))) << bad;
}

TEST(DeliveryPlanTest, FollowsTheContractScheduleThenFails) {
  // An injected clock: the schedule is computed from it, not from the wall clock.
  auto now = std::chrono::system_clock::time_point{} + 1000h;
  const clock_fn clock = [&now] { return now; };
  const std::vector<std::chrono::seconds> expected{5s, 5min, 30min, 2h, 5h, 10h, 10h};
  for (int attempt = 1; attempt <= 7; ++attempt) {
    const auto state = after_attempt(attempt, false, clock());
    EXPECT_EQ(state.status, "pending");
    ASSERT_TRUE(state.next_attempt_at.has_value());
    EXPECT_EQ(*state.next_attempt_at - now, expected[static_cast<std::size_t>(attempt - 1)]);
    now = *state.next_attempt_at;
  }
  const auto last = after_attempt(8, false, clock());
  EXPECT_EQ(last.status, "failed");
  EXPECT_FALSE(last.next_attempt_at.has_value());
  EXPECT_EQ(after_attempt(9, false, clock()).status, "failed"); // a manual retry that failed
  EXPECT_EQ(after_attempt(3, true, clock()).status, "succeeded");
  EXPECT_FALSE(after_attempt(1, true, clock()).next_attempt_at.has_value());
  EXPECT_EQ(max_attempts, 8);
}

TEST(DeliveryPlanTest, OnlyA2xxWithoutErrorSucceeds) {
  EXPECT_TRUE((attempt_result{200, {}, {}}.ok()));
  EXPECT_TRUE((attempt_result{299, {}, {}}.ok()));
  EXPECT_FALSE((attempt_result{301, {}, {}}.ok())); // redirects are not followed
  EXPECT_FALSE((attempt_result{500, {}, {}}.ok()));
  EXPECT_FALSE((attempt_result{0, "could not connect", {}}.ok()));
  EXPECT_FALSE((attempt_result{200, "read failed", {}}.ok()));
}

TEST(RequestsTest, DecodesANewEndpoint) {
  auto r = decode_new_endpoint(
      R"({"url":"https://hooks.example.com/x","events":["user.created","payment.*","user.created"],"description":"CRM"})",
      production);
  ASSERT_TRUE(std::holds_alternative<new_endpoint>(r));
  const auto& e = std::get<new_endpoint>(r);
  EXPECT_EQ(e.url, "https://hooks.example.com/x");
  EXPECT_EQ(e.events, (std::vector<std::string>{"user.created", "payment.*"}));
  EXPECT_EQ(e.description, "CRM");
}

TEST(RequestsTest, MalformedBodiesNameTheirFields) {
  const auto field_of = [](const decoded<new_endpoint>& r) {
    const auto* errors = std::get_if<field_errors>(&r);
    return errors == nullptr || errors->empty() ? std::string{"(none)"} : errors->front().field;
  };
  const std::string ok_url = R"("url":"https://hooks.example.com/")";
  EXPECT_EQ(field_of(decode_new_endpoint(R"({"events":["*"]})", production)), "url");
  EXPECT_EQ(field_of(decode_new_endpoint("{" + ok_url + "}", production)), "events");
  EXPECT_EQ(field_of(decode_new_endpoint("{" + ok_url + R"(,"events":[]})", production)), "events");
  EXPECT_EQ(field_of(decode_new_endpoint("{" + ok_url + R"(,"events":[1]})", production)),
            "events");
  EXPECT_EQ(field_of(decode_new_endpoint("{" + ok_url + R"(,"events":"*"})", production)),
            "events");
  std::string many = "{" + ok_url + R"(,"events":[)";
  for (int i = 0; i < 51; ++i)
    many += (i == 0 ? "" : ",") + std::string{"\"e"} + std::to_string(i) + "\"";
  EXPECT_EQ(field_of(decode_new_endpoint(many + "]}", production)), "events");
  EXPECT_EQ(field_of(decode_new_endpoint("{" + ok_url + R"(,"events":["*"],"description":")" +
                                             std::string(501, 'd') + "\"}",
                                         production)),
            "description");
  EXPECT_EQ(
      field_of(decode_new_endpoint(R"({"url":"https://10.0.0.1/","events":["*"]})", production)),
      "(none)"); // addresses are checked when resolved, not by the decoder
  for (const std::string& bad :
       std::vector<std::string>{"", "null", "[]", "{", R"({"url":1})", "{\"url\":\"\xff\"}",
                                R"({"url":"https://a.com/","events":["*"],"x":1})"})
    EXPECT_TRUE(std::holds_alternative<field_errors>(decode_new_endpoint(bad, production))) << bad;
}

TEST(RequestsTest, PatchesNeedAFieldAndCheckEach) {
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_endpoint_patch("{}", production)));
  EXPECT_TRUE(
      std::holds_alternative<field_errors>(decode_endpoint_patch(R"({"enabled":1})", production)));
  EXPECT_TRUE(std::holds_alternative<field_errors>(
      decode_endpoint_patch(R"({"url":"http://example.com/"})", production)));
  auto p = decode_endpoint_patch(R"({"enabled":false,"description":null})", production);
  ASSERT_TRUE(std::holds_alternative<endpoint_patch>(p));
  EXPECT_EQ(std::get<endpoint_patch>(p).enabled, false);
  EXPECT_EQ(std::get<endpoint_patch>(p).description, "");
}

TEST(RequestsTest, CursorsRoundTripAndForgeriesAreRefused) {
  const page_cursor c{1700000000123456, "0b7e4b5e-8a6e-4c59-9f3e-0d3c7a1f0c11"};
  const auto back = decode_cursor(encode_cursor(c));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->created_us, c.created_us);
  EXPECT_EQ(back->id, c.id);
  for (const std::string& bad : std::vector<std::string>{
           "", "zzz", crypto::base64url_encode("u1.1.0b7e4b5e-8a6e-4c59-9f3e-0d3c7a1f0c11"),
           crypto::base64url_encode("w1.-1.0b7e4b5e-8a6e-4c59-9f3e-0d3c7a1f0c11"),
           crypto::base64url_encode("w1.1.nope"),
           crypto::base64url_encode("w1.99999999999999999999.x"), std::string(300, 'A')})
    EXPECT_FALSE(decode_cursor(bad).has_value()) << bad;
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_delivery_list("status=done")));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_delivery_list("limit=0")));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_delivery_list("limit=201")));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_endpoint_list("status=pending")));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_endpoint_list("cursor=%zz")));
  const auto q = decode_delivery_list("status=failed&limit=7");
  ASSERT_TRUE(std::holds_alternative<list_query>(q));
  EXPECT_EQ(std::get<list_query>(q).status, "failed");
  EXPECT_EQ(std::get<list_query>(q).limit, 7);
}

} // namespace
} // namespace gh::webhooks
