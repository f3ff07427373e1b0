#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gh::standard_webhooks {
namespace {

// The specification's own test vector (checked with the `standardwebhooks` npm library).
constexpr std::string_view vector_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view vector_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t vector_time = 1614265330;
constexpr std::string_view vector_ts = "1614265330";
constexpr std::string_view vector_body = R"({"test": 2432232314})";
constexpr std::string_view vector_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

std::string vector_key() {
  return secret_key(vector_secret).value();
}

verify_result verify_at(int64_t now, std::string_view header = vector_signature,
                        std::string_view body = vector_body, std::string_view id = vector_id) {
  return verify(vector_key(), id, vector_ts, header, body, now);
}

TEST(StandardWebhooksTest, SignMatchesTheSpecificationVector) {
  EXPECT_EQ(sign(vector_key(), vector_id, vector_time, vector_body), vector_signature);
}

TEST(StandardWebhooksTest, VerifyAcceptsTheSpecificationVector) {
  EXPECT_EQ(verify_at(vector_time), verify_result::valid);
  EXPECT_EQ(describe(verify_result::valid), "valid");
}

TEST(StandardWebhooksTest, OneSignaturePerKeySeparatedBySpaces) {
  const auto a = *secret_key(new_secret());
  const auto b = *secret_key(new_secret());
  const auto header = signature_header({a, b}, "id", 1, "{}");
  EXPECT_EQ(header, sign(a, "id", 1, "{}") + " " + sign(b, "id", 1, "{}"));
  EXPECT_NE(sign(a, "id", 1, "{}"), sign(a, "id", 2, "{}"));
  // Either key verifies the header the other one also signed.
  EXPECT_EQ(verify(a, "id", "1", header, "{}", 1), verify_result::valid);
  EXPECT_EQ(verify(b, "id", "1", header, "{}", 1), verify_result::valid);
}

TEST(StandardWebhooksTest, SecretsAreWhsecBase64AndAnythingElseIsRefused) {
  const auto s = new_secret();
  ASSERT_TRUE(s.starts_with("whsec_"));
  EXPECT_EQ(secret_key(s)->size(), 24U);
  EXPECT_NE(new_secret(), s);
  for (const std::string& bad :
       std::vector<std::string>{"", "whsec_", "whsec_!!!!", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                "whsec_MfKQ9r8GKYqr-wjUPD8ILPZIo2LaLaSw", "whsec_YWJj"})
    EXPECT_FALSE(secret_key(bad).has_value()) << bad;
}

TEST(StandardWebhooksTest, TimestampsWithinTheToleranceAreAccepted) {
  EXPECT_EQ(verify_at(vector_time + 300), verify_result::valid);
  EXPECT_EQ(verify_at(vector_time - 300), verify_result::valid);
}

TEST(StandardWebhooksTest, StaleAndFutureTimestampsAreRefused) {
  EXPECT_EQ(verify_at(vector_time + 301), verify_result::stale_timestamp);
  EXPECT_EQ(verify_at(vector_time + 86400), verify_result::stale_timestamp);
  EXPECT_EQ(verify_at(vector_time - 301), verify_result::future_timestamp);
  // A tighter tolerance is honoured; a negative one counts as zero.
  EXPECT_EQ(verify(vector_key(), vector_id, vector_ts, vector_signature, vector_body,
                   vector_time + 11, std::chrono::seconds{10}),
            verify_result::stale_timestamp);
  EXPECT_EQ(verify(vector_key(), vector_id, vector_ts, vector_signature, vector_body, vector_time,
                   std::chrono::seconds{-5}),
            verify_result::valid);
  EXPECT_EQ(verify(vector_key(), vector_id, vector_ts, vector_signature, vector_body,
                   vector_time + 1, std::chrono::seconds{-5}),
            verify_result::stale_timestamp);
}

TEST(StandardWebhooksTest, TamperedBodyIdOrTimestampIsRefused) {
  EXPECT_EQ(verify_at(vector_time, vector_signature, R"({"test": 2432232315})"),
            verify_result::no_matching_signature);
  EXPECT_EQ(verify_at(vector_time, vector_signature, R"({"test":2432232314})"),
            verify_result::no_matching_signature);
  EXPECT_EQ(verify_at(vector_time, vector_signature, vector_body, "msg_p5jXN8AQM9LWM0D4loKWxJeK"),
            verify_result::no_matching_signature);
  EXPECT_EQ(
      verify(vector_key(), vector_id, "1614265331", vector_signature, vector_body, vector_time),
      verify_result::no_matching_signature);
}

TEST(StandardWebhooksTest, WrongOrEmptyKeyIsRefused) {
  const auto other = *secret_key(new_secret());
  EXPECT_EQ(verify(other, vector_id, vector_ts, vector_signature, vector_body, vector_time),
            verify_result::no_matching_signature);
  EXPECT_EQ(verify("", vector_id, vector_ts, sign("", vector_id, vector_time, vector_body),
                   vector_body, vector_time),
            verify_result::no_matching_signature);
}

TEST(StandardWebhooksTest, OneValidSignatureAmongSeveralSuffices) {
  const auto other = sign(*secret_key(new_secret()), vector_id, vector_time, vector_body);
  const std::string header = other + " " + std::string{vector_signature} + " v1,AAAA";
  EXPECT_EQ(verify_at(vector_time, header), verify_result::valid);
  const std::string last = "v1,AAAA  " + other + " " + std::string{vector_signature};
  EXPECT_EQ(verify_at(vector_time, last), verify_result::valid);
}

TEST(StandardWebhooksTest, OnlyV1EntriesCount) {
  const auto mac = std::string{vector_signature.substr(3)};
  // The right MAC under another version label is not a v1 signature.
  for (const std::string& header :
       {"v2," + mac, "v1a," + mac, "V1," + mac, "v1 " + mac, mac, "v1=" + mac, ",v1," + mac})
    EXPECT_EQ(verify_at(vector_time, header), verify_result::no_matching_signature) << header;
  // Garbage beside the valid entry is skipped.
  EXPECT_EQ(verify_at(vector_time, "v2,xyz garbage v1,!!!! " + std::string{vector_signature}),
            verify_result::valid);
}

TEST(StandardWebhooksTest, SignatureComparesTheDecodedMac) {
  // The unpadded form of the same base64 decodes to the same MAC.
  const auto unpadded = std::string{vector_signature.substr(0, vector_signature.size() - 1)};
  EXPECT_EQ(verify_at(vector_time, unpadded), verify_result::valid);
  // A truncated MAC never matches.
  EXPECT_EQ(verify_at(vector_time, vector_signature.substr(0, 20)),
            verify_result::no_matching_signature);
}

TEST(StandardWebhooksTest, MissingHeadersAreNamed) {
  const auto key = vector_key();
  EXPECT_EQ(verify(key, "", vector_ts, vector_signature, vector_body, vector_time),
            verify_result::missing_id);
  EXPECT_EQ(verify(key, vector_id, "", vector_signature, vector_body, vector_time),
            verify_result::missing_timestamp);
  EXPECT_EQ(verify(key, vector_id, vector_ts, "", vector_body, vector_time),
            verify_result::missing_signature);
  for (auto r : {verify_result::missing_id, verify_result::missing_timestamp,
                 verify_result::missing_signature})
    EXPECT_NE(describe(r).find("missing"), std::string_view::npos);
}

TEST(StandardWebhooksTest, MalformedIdsAreRefused) {
  const auto key = vector_key();
  for (const std::string& id :
       {std::string(256, 'a'), std::string{"msg 1"}, std::string{"msg\n1"}, std::string{"msg\x7f"},
        std::string{"m\xc3\xa9g"}, std::string{"a\0b", 3}})
    EXPECT_EQ(verify(key, id, vector_ts, vector_signature, vector_body, vector_time),
              verify_result::bad_id)
        << id;
  EXPECT_EQ(verify(key, std::string(255, 'a'), vector_ts,
                   sign(key, std::string(255, 'a'), vector_time, vector_body), vector_body,
                   vector_time),
            verify_result::valid);
}

TEST(StandardWebhooksTest, MalformedTimestampsAreRefused) {
  for (std::string_view ts :
       {"abc", "-1614265330", "+1614265330", "1614265330.5", " 1614265330", "1614265330 ", "0",
        "0x60369f32", "1e9", "9999999999999", "99999999999999999999999", "1614265330\n"})
    EXPECT_EQ(verify(vector_key(), vector_id, ts, vector_signature, vector_body, vector_time),
              verify_result::bad_timestamp)
        << ts;
  // Leading zeros are digits like any other, and the signed content keeps the text as received.
  EXPECT_EQ(
      verify(vector_key(), vector_id, "01614265330", vector_signature, vector_body, vector_time),
      verify_result::no_matching_signature);
}

TEST(StandardWebhooksTest, OversizedSignatureHeadersAreRefused) {
  std::string many;
  for (int i = 0; i < 17; ++i)
    many += "v2,x ";
  EXPECT_EQ(verify_at(vector_time, many + std::string{vector_signature}),
            verify_result::malformed_signature);
  const std::string padded = std::string(4096, ' ') + std::string{vector_signature};
  EXPECT_EQ(verify_at(vector_time, padded), verify_result::malformed_signature);
  // Sixteen entries are still read.
  std::string sixteen;
  for (int i = 0; i < 15; ++i)
    sixteen += "v2,x ";
  EXPECT_EQ(verify_at(vector_time, sixteen + std::string{vector_signature}), verify_result::valid);
}

TEST(StandardWebhooksTest, ParseSignatureHeaderKeepsOnlyDecodableV1Entries) {
  const auto parsed = parse_signature_header("v1,YWJj v1a,YWJj v1,!!! junk v1, v1,ZGVm");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, (std::vector<std::string>{"abc", "def"}));
  EXPECT_EQ(parse_signature_header("")->size(), 0U);
  EXPECT_EQ(parse_signature_header("   ")->size(), 0U);
  EXPECT_FALSE(parse_signature_header(std::string(4097, 'a')).has_value());
}

TEST(StandardWebhooksTest, EveryRefusalHasItsOwnDescription) {
  const std::vector<verify_result> all{
      verify_result::missing_id,           verify_result::missing_timestamp,
      verify_result::missing_signature,    verify_result::bad_id,
      verify_result::bad_timestamp,        verify_result::stale_timestamp,
      verify_result::future_timestamp,     verify_result::malformed_signature,
      verify_result::no_matching_signature};
  for (std::size_t i = 0; i < all.size(); ++i)
    for (std::size_t j = i + 1; j < all.size(); ++j)
      EXPECT_NE(describe(all[i]), describe(all[j]));
}

} // namespace
} // namespace gh::standard_webhooks
