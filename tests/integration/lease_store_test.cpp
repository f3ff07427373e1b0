// Ownership leases of per-user actors in NATS KV, against the run's real nats-server (JetStream).

#include "persistence/jetstream/lease_store.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>
#include <vector>

using namespace gh;
using namespace std::chrono_literals;

namespace {

/// One NATS connection, as each Gatehouse instance has its own.
class connection {
public:
  connection() {
    const std::string url = test::required_env("NATS_URL");
    EXPECT_EQ(natsConnection_ConnectTo(&nc_, url.c_str()), NATS_OK);
  }
  ~connection() { natsConnection_Destroy(nc_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  natsConnection* get() const { return nc_; }

private:
  natsConnection* nc_ = nullptr;
};

/// A bucket name of this test's own, so runs and tests never share leases.
std::string fresh_bucket() {
  std::random_device rd;
  return "gatehouse_leases_test_" + std::to_string(rd()) + std::to_string(rd());
}

std::unique_ptr<nats::lease_store> open_store(const connection& c, const std::string& bucket,
                                              std::chrono::milliseconds ttl) {
  std::string error;
  auto store = nats::lease_store::open(c.get(), bucket, ttl, error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

} // namespace

TEST(LeaseStoreTest, KeysAreValidAndDistinct) {
  const auto plain = nats::lease_store::key_of("checkout_flow", "3f2c-77", "c-1");
  EXPECT_EQ(plain, "checkout_5Fflow.3f2c-77.c-1");
  // Dots, wildcards, spaces, `_` itself and bytes beyond ASCII never reach the key raw.
  const auto odd = nats::lease_store::key_of("k.*", "u >", "_\xC3\xA9");
  EXPECT_EQ(odd, "k_2E_2A.u_20_3E._5F_C3_A9");
  EXPECT_EQ(nats::lease_store::key_of("k", "u", ""), "k.u._");
  EXPECT_NE(nats::lease_store::key_of("a.b", "c", "d"), nats::lease_store::key_of("a", "b.c", "d"));
  EXPECT_NE(nats::lease_store::key_of("k", "u", ""), nats::lease_store::key_of("k", "u", "_"));
}

TEST(LeaseStoreTest, OneOwnerWhileHeldThenTheNextAfterRelease) {
  connection a_conn;
  connection b_conn;
  const auto bucket = fresh_bucket();
  auto a = open_store(a_conn, bucket, 10s);
  auto b = open_store(b_conn, bucket, 10s);
  ASSERT_TRUE(a && b);
  const auto key = nats::lease_store::key_of("checkout_flow", "user-1", "c1");

  auto mine = a->acquire(key, "instance-a");
  ASSERT_TRUE(mine);
  EXPECT_TRUE(mine->ours);
  auto theirs = b->acquire(key, "instance-b");
  ASSERT_TRUE(theirs);
  EXPECT_FALSE(theirs->ours);
  EXPECT_EQ(theirs->owner, "instance-a");
  // Asking again as the owner keeps it; the other cannot renew what it does not hold.
  auto again = a->acquire(key, "instance-a");
  ASSERT_TRUE(again && again->ours);
  EXPECT_FALSE(b->renew(key, "instance-b", theirs->revision + 1000));

  auto renewed = a->renew(key, "instance-a", mine->revision);
  ASSERT_TRUE(renewed);
  EXPECT_GT(*renewed, mine->revision);
  // A stale revision is a lost lease.
  EXPECT_FALSE(a->renew(key, "instance-a", mine->revision));
  EXPECT_FALSE(a->release(key, mine->revision));
  EXPECT_TRUE(a->release(key, *renewed));
  EXPECT_FALSE(b->owner(key));

  auto taken = b->acquire(key, "instance-b");
  ASSERT_TRUE(taken && taken->ours);
  auto seen = a->owner(key);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->owner, "instance-b");
}

TEST(LeaseStoreTest, ConcurrentAcquirersNeverBothOwn) {
  constexpr int instances = 3;
  constexpr int keys = 40;
  const auto bucket = fresh_bucket();
  std::vector<std::unique_ptr<connection>> conns;
  std::vector<std::unique_ptr<nats::lease_store>> stores;
  conns.reserve(instances);
  stores.reserve(instances);
  for (int i = 0; i < instances; ++i) {
    conns.push_back(std::make_unique<connection>());
    stores.push_back(open_store(*conns.back(), bucket, 10s));
    ASSERT_TRUE(stores.back());
  }
  // Each instance races for every key; each records what it was told.
  std::vector<std::vector<std::optional<nats::lease>>> told(
      instances, std::vector<std::optional<nats::lease>>(keys));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  threads.reserve(instances);
  for (int i = 0; i < instances; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < instances)
        std::this_thread::yield();
      for (int k = 0; k < keys; ++k)
        told[i][k] = stores[i]->acquire(nats::lease_store::key_of("upload", "u", std::to_string(k)),
                                        "instance-" + std::to_string(i));
    });
  }
  for (auto& t : threads)
    t.join();
  for (int k = 0; k < keys; ++k) {
    std::set<std::string> owners;
    int ours = 0;
    for (int i = 0; i < instances; ++i) {
      ASSERT_TRUE(told[i][k]) << "instance " << i << " key " << k;
      owners.insert(told[i][k]->owner);
      ours += told[i][k]->ours ? 1 : 0;
    }
    EXPECT_EQ(owners.size(), 1U) << "key " << k;
    EXPECT_EQ(ours, 1) << "key " << k;
  }
}

TEST(LeaseStoreTest, AnUnrenewedLeaseExpiresAndMovesOn) {
  connection a_conn;
  connection b_conn;
  const auto bucket = fresh_bucket();
  auto a = open_store(a_conn, bucket, 1s);
  auto b = open_store(b_conn, bucket, 1s);
  ASSERT_TRUE(a && b);
  const auto key = nats::lease_store::key_of("checkout_flow", "user-2", "c2");
  auto first = a->acquire(key, "instance-a");
  ASSERT_TRUE(first && first->ours);
  // Renewed within the TTL, it stays.
  std::this_thread::sleep_for(600ms);
  auto renewed = a->renew(key, "instance-a", first->revision);
  ASSERT_TRUE(renewed);
  std::this_thread::sleep_for(600ms);
  auto still = b->acquire(key, "instance-b");
  ASSERT_TRUE(still);
  EXPECT_FALSE(still->ours);
  // Not renewed (the owner died): gone after the TTL, and the next instance takes it.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::optional<nats::lease> moved;
  while (std::chrono::steady_clock::now() < deadline) {
    moved = b->acquire(key, "instance-b");
    if (moved && moved->ours)
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(moved && moved->ours) << "the lease never expired";
  EXPECT_FALSE(a->renew(key, "instance-a", *renewed));
}
