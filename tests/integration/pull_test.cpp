// The event workers' pull subscription against the run's real nats-server (JetStream): each test
// makes a stream and a durable consumer of its own.
#include "actors/events/pull.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <thread>

using namespace gh;
using namespace gh::events;
using namespace std::chrono_literals;

namespace {

class PullSubscriptionTest : public ::testing::Test {
protected:
  PullSubscriptionTest() {
    const std::string url = test::required_env("NATS_URL");
    EXPECT_EQ(natsConnection_ConnectTo(&nc_, url.c_str()), NATS_OK);
    EXPECT_EQ(natsConnection_JetStream(&js_, nc_, nullptr), NATS_OK);
    std::random_device rd;
    const auto id = std::to_string(rd()) + std::to_string(rd());
    stream_ = "PULLTEST" + id;
    subject_ = "pulltest." + id;
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = stream_.c_str();
    const char* subjects[] = {subject_.c_str()};
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    EXPECT_EQ(js_AddStream(nullptr, js_, &sc, nullptr, nullptr), NATS_OK);
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = "worker";
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = std::chrono::nanoseconds{30s}.count();
    cc.MaxAckPending = 1000;
    EXPECT_EQ(js_AddConsumer(nullptr, js_, stream_.c_str(), &cc, nullptr, nullptr), NATS_OK);
  }
  ~PullSubscriptionTest() override {
    js_DeleteStream(js_, stream_.c_str(), nullptr, nullptr);
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }

  void publish(int n) {
    for (int i = 0; i < n; ++i) {
      const auto body = "m" + std::to_string(i);
      ASSERT_EQ(js_Publish(nullptr, js_, subject_.c_str(), body.data(),
                           static_cast<int>(body.size()), nullptr, nullptr),
                NATS_OK);
    }
  }

  /// The consumer's unacknowledged deliveries, as the server counts them.
  int64_t ack_pending() {
    jsConsumerInfo* info = nullptr;
    if (js_GetConsumerInfo(&info, js_, stream_.c_str(), "worker", nullptr, nullptr) != NATS_OK)
      return -1;
    const auto n = info->NumAckPending;
    jsConsumerInfo_Destroy(info);
    return n;
  }

  static uint64_t sequence_of(natsMsg* m) {
    const auto a = ack_subject_of(m);
    EXPECT_TRUE(a.has_value());
    return a ? a->stream_sequence : 0;
  }

  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  std::string stream_;
  std::string subject_;
};

TEST_F(PullSubscriptionTest, DeliveriesWaitingBeforeAFetchAreTakenAtMostABatchAtATime) {
  // What made libnats 3.4's own fetch write past its array: more than half a batch already
  // delivered to the subscription when a fetch begins.
  publish(300);
  auto pull = pull_subscription::open(nc_, stream_, "worker");
  ASSERT_NE(pull, nullptr);
  ASSERT_EQ(pull->request(300, 5s, false), NATS_OK);
  for (int i = 0; i < 100 && pull->waiting() < 300; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(pull->waiting(), 300);

  std::set<uint64_t> seen;
  std::vector<std::size_t> sizes;
  std::vector<owned_msg> got;
  while (seen.size() < 300) {
    ASSERT_EQ(pull->fetch(got, 64, 1s), NATS_OK);
    sizes.push_back(got.size());
    for (auto& m : got) {
      EXPECT_TRUE(seen.insert(sequence_of(m.get())).second);
      EXPECT_TRUE(ack_message(nc_, m.get()));
    }
    ASSERT_LE(sizes.size(), 5U);
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{64, 64, 64, 64, 44}));
  EXPECT_EQ(*seen.begin(), 1U);
  EXPECT_EQ(*seen.rbegin(), 300U);
  natsConnection_Flush(nc_);
  EXPECT_EQ(ack_pending(), 0);
  EXPECT_EQ(pull->fetch(got, 64, 300ms), NATS_TIMEOUT);
  EXPECT_TRUE(got.empty());
}

TEST_F(PullSubscriptionTest, AFetchTakesWhatIsThereAtOnceAndOtherwiseWaitsForIt) {
  publish(10);
  auto pull = pull_subscription::open(nc_, stream_, "worker");
  ASSERT_NE(pull, nullptr);
  std::vector<owned_msg> got;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(pull->fetch(got, 64, 2s), NATS_OK);
  EXPECT_EQ(got.size(), 10U); // the server's 404 ends the request: no waiting for 64
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);

  std::thread later{[this] {
    std::this_thread::sleep_for(300ms);
    publish(1);
  }};
  t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(pull->fetch(got, 1, 3s), NATS_OK);
  later.join();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(sequence_of(got[0].get()), 11U);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);

  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(pull->fetch(got, 64, 400ms), NATS_TIMEOUT);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 2s);
}

TEST_F(PullSubscriptionTest, NakWithADelayTermAndProgressAreUnderstoodByTheServer) {
  publish(2);
  auto pull = pull_subscription::open(nc_, stream_, "worker");
  ASSERT_NE(pull, nullptr);
  std::vector<owned_msg> got;
  ASSERT_EQ(pull->fetch(got, 2, 2s), NATS_OK);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(ack_subject_of(got[0].get())->delivered, 1U);
  EXPECT_TRUE(in_progress_message(nc_, got[0].get()));
  const auto nak_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(nak_message(nc_, got[0].get(), 400ms));
  EXPECT_TRUE(term_message(nc_, got[1].get()));

  // Only the first comes again, after its delay, as its second delivery.
  ASSERT_EQ(pull->fetch(got, 2, 3s), NATS_OK);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_GE(std::chrono::steady_clock::now() - nak_at, 350ms);
  const auto again = ack_subject_of(got[0].get());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->stream_sequence, 1U);
  EXPECT_EQ(again->delivered, 2U);
  EXPECT_TRUE(ack_message(nc_, got[0].get()));
  EXPECT_EQ(pull->fetch(got, 2, 600ms), NATS_TIMEOUT);
  natsConnection_Flush(nc_);
  EXPECT_EQ(ack_pending(), 0);
}

TEST_F(PullSubscriptionTest, AFetchFromAConsumerThatDoesNotExistEndsAtItsWait) {
  // JetStream does not answer a pull request for a consumer it does not have: the fetch must
  // still end when its time is up, empty.
  auto pull = pull_subscription::open(nc_, stream_, "nobody");
  ASSERT_NE(pull, nullptr);
  std::vector<owned_msg> got;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(pull->fetch(got, 8, 500ms), NATS_TIMEOUT);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(got.empty());
}

TEST_F(PullSubscriptionTest, ADeletedConsumerEndsTheWaitingRequestWithAFailure) {
  auto pull = pull_subscription::open(nc_, stream_, "worker");
  ASSERT_NE(pull, nullptr);
  std::thread remove{[this] {
    std::this_thread::sleep_for(300ms);
    js_DeleteConsumer(js_, stream_.c_str(), "worker", nullptr, nullptr);
  }};
  std::vector<owned_msg> got;
  const auto t0 = std::chrono::steady_clock::now();
  const auto status = pull->fetch(got, 8, 5s);
  remove.join();
  EXPECT_EQ(status, NATS_ERR); // the server's 409 "Consumer Deleted"
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(got.empty());
}

TEST_F(PullSubscriptionTest, AMessageWithoutAnAckSubjectIsNotAcknowledged) {
  natsMsg* m = nullptr;
  ASSERT_EQ(natsMsg_Create(&m, "x", nullptr, "a", 1), NATS_OK);
  owned_msg plain{m};
  EXPECT_FALSE(ack_message(nc_, plain.get()));
  EXPECT_FALSE(nak_message(nc_, plain.get(), 1s));
}

} // namespace
