#include "actors/payments/stripe_events.hpp"
#include "actors/payments/stripe_signature.hpp"

#include <gtest/gtest.h>

#include <set>

namespace gh::stripe {
namespace {

// HMAC-SHA256 over `1700000000.<payload>`, computed outside Gatehouse (Python's hmac module).
constexpr std::string_view payload = R"({"id":"evt_1","object":"event"})";
constexpr std::string_view under_test_secret =
    "0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd";
constexpr std::string_view under_rotated =
    "443d952004499c253336135326bfaef55fed4b9099dfbcff6d4aec5017c5185d";
constexpr int64_t t = 1700000000;
const std::vector<std::string> secrets{"whsec_test_secret"};

std::string header(std::string_view v1) {
  return "t=1700000000,v1=" + std::string{v1};
}

TEST(StripeSignature, AcceptsStripesScheme) {
  EXPECT_EQ(check_signature(header(under_test_secret), payload, secrets, t),
            signature_check::valid);
  EXPECT_EQ(check_signature(header(under_test_secret), payload, secrets, t + 300),
            signature_check::valid);
}

TEST(StripeSignature, TriesEveryV1ValueAndIgnoresV0) {
  const std::string several = "t=1700000000,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba8"
                              "16edb039989a39,v1=" +
                              std::string(64, 'a') + ",v1=" + std::string{under_test_secret};
  EXPECT_EQ(check_signature(several, payload, secrets, t), signature_check::valid);
  EXPECT_EQ(
      check_signature("t=1700000000,v0=" + std::string{under_test_secret}, payload, secrets, t),
      signature_check::malformed); // no v1 at all
}

TEST(StripeSignature, AcceptsEverySecretDuringARotation) {
  const std::vector<std::string> both{"whsec_test_secret", "whsec_rotated"};
  EXPECT_EQ(check_signature(header(under_rotated), payload, both, t), signature_check::valid);
  EXPECT_EQ(check_signature(header(under_rotated), payload, secrets, t), signature_check::mismatch);
}

TEST(StripeSignature, RefusesStaleAndFutureTimestamps) {
  EXPECT_EQ(check_signature(header(under_test_secret), payload, secrets, t + 301),
            signature_check::stale);
  EXPECT_EQ(check_signature(header(under_test_secret), payload, secrets, t - 301),
            signature_check::stale);
}

TEST(StripeSignature, RefusesATamperedBodyOrTimestamp) {
  EXPECT_EQ(
      check_signature(header(under_test_secret), R"({"id":"evt_2","object":"event"})", secrets, t),
      signature_check::mismatch);
  EXPECT_EQ(
      check_signature("t=1700000001,v1=" + std::string{under_test_secret}, payload, secrets, t),
      signature_check::mismatch);
}

TEST(StripeSignature, RefusesMissingAndMalformedHeaders) {
  EXPECT_EQ(check_signature("", payload, secrets, t), signature_check::missing);
  for (const std::string& bad : std::vector<std::string>{
           "v1=" + std::string{under_test_secret}, "t=,v1=" + std::string{under_test_secret},
           "t=abc,v1=" + std::string{under_test_secret},
           "t=-5,v1=" + std::string{under_test_secret}, "t=1700000000",
           "t=1700000000,v1=", "t=1700000000,v1=abc", "t=1700000000,v1=" + std::string(64, 'G'),
           "t=1700000000,v1=0C8670ED117751CC551A20E35839447075C42800EA3CF3E8A2FBDA99CD1E6EDD",
           "t=1700000000,t=1700000000,v1=" + std::string{under_test_secret},
           "t=1700000000,,v1=" + std::string{under_test_secret}, "garbage", std::string(9000, 't')})
    EXPECT_EQ(check_signature(bad, payload, secrets, t), signature_check::malformed) << bad;
}

TEST(StripeEventUuid, IsStablePerEventAndAVersion8Uuid) {
  const auto a = payments::stripe_event_uuid("evt_1");
  EXPECT_EQ(a, payments::stripe_event_uuid("evt_1"));
  EXPECT_NE(a, payments::stripe_event_uuid("evt_2"));
  ASSERT_EQ(a.size(), 36U);
  EXPECT_EQ(a[14], '8');
  EXPECT_NE(std::string_view{"89ab"}.find(a[19]), std::string_view::npos);
  std::set<std::string> many;
  for (int i = 0; i < 1000; ++i)
    many.insert(payments::stripe_event_uuid("evt_" + std::to_string(i)));
  EXPECT_EQ(many.size(), 1000U);
}

} // namespace
} // namespace gh::stripe
