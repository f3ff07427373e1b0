// JetStream's acknowledgement subjects, read by the event workers for a delivery's count,
// sequence and the consumer's backlog.
#include "actors/events/pull.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace gh::events {
namespace {

/// `a` as one tuple, so a test states every field at once.
auto fields(const ack_subject& a) {
  return std::tuple{a.stream,          a.consumer,          a.delivered,
                    a.stream_sequence, a.consumer_sequence, a.pending};
}

TEST(AckSubjectTest, ReadsTheNineTokenForm) {
  const auto a = parse_ack_subject("$JS.ACK.USERS.email.3.1042.977.1764936000000000000.12");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(fields(*a), std::tuple("USERS", "email", 3U, 1042U, 977U, 12U));
}

TEST(AckSubjectTest, ReadsTheFormWithDomainAccountAndToken) {
  const auto a =
      parse_ack_subject("$JS.ACK.hub.ACCHASH.PAYMENTS.stripe.1.7.5.1764936000000000000.0.rnd");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(fields(*a), std::tuple("PAYMENTS", "stripe", 1U, 7U, 5U, 0U));
  // Eleven tokens: the same without the token at the end.
  EXPECT_TRUE(parse_ack_subject("$JS.ACK.hub.ACCHASH.PAYMENTS.stripe.1.7.5.17.0").has_value());
}

TEST(AckSubjectTest, RefusesWhatIsNotAnAcknowledgementSubject) {
  for (const char* bad : {
           "", ".", "$JS.ACK",
           "$JS.ACK.USERS.email.3.1042.977.1764936000000000000", // 8 tokens
           "$JS.ACK.USERS.email.3.1042.977.17.12.x",             // 10 tokens
           "_INBOX.abc.USERS.email.3.1042.977.17.12",            // another prefix
           "$JS.NAK.USERS.email.3.1042.977.17.12",
           "$js.ack.USERS.email.3.1042.977.17.12",             // case matters
           "$JS.ACK..email.3.1042.977.17.12",                  // no stream
           "$JS.ACK.USERS..3.1042.977.17.12",                  // no consumer
           "$JS.ACK.USERS.email.three.1042.977.17.12",         // not a number
           "$JS.ACK.USERS.email.-3.1042.977.17.12",            // a sign
           "$JS.ACK.USERS.email.3.1042.977.17.12 ",            // trailing space
           "$JS.ACK.USERS.email.3..977.17.12",                 // empty number
           "$JS.ACK.USERS.email.18446744073709551616.1.1.1.1", // 2^64 does not fit
       })
    EXPECT_FALSE(parse_ack_subject(bad).has_value()) << bad;
  EXPECT_TRUE(parse_ack_subject("$JS.ACK.USERS.email.18446744073709551615.1.1.1.1").has_value());
}

} // namespace
} // namespace gh::events
