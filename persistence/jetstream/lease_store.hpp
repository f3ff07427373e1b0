#pragma once

#include "persistence/ownership.hpp"

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gh::nats {

/// Who owns one per-user actor, as its lease in the bucket says.
using lease = actor_lease;

/// Ownership leases of per-user actors in a NATS KV bucket (DESIGN.md "Growing past one
/// machine"): key = actor kind + user + key, value = the owning instance, expiring `ttl` after
/// the owner's last write. Taking a free lease, renewing and releasing are compare-and-set
/// writes on the key's revision, so two instances never both own one actor. A plain class over
/// a connection the caller owns; every call blocks for at most the connection's request timeout
/// (call it off the io threads).
class lease_store final : public lease_directory {
public:
  /// Opens the bucket, creating it when it is missing; nullptr (and `error`) when NATS or
  /// JetStream refuse. The bucket's TTL is fixed when it is created.
  static std::unique_ptr<lease_store> open(natsConnection* connection, const std::string& bucket,
                                           std::chrono::milliseconds ttl, std::string& error);

  ~lease_store() override;
  lease_store(const lease_store&) = delete;
  lease_store& operator=(const lease_store&) = delete;

  /// Takes the lease on `key` for `instance` when nobody holds it (or `instance` already does);
  /// otherwise says who does. Empty when NATS cannot be asked.
  std::optional<lease> acquire(std::string_view key, std::string_view instance) override;

  /// Writes the lease again at `revision`, restarting its TTL: the new revision, or empty when
  /// the lease was lost (it expired, was released or was taken) or NATS cannot be asked.
  std::optional<uint64_t> renew(std::string_view key, std::string_view instance,
                                uint64_t revision) override;

  /// Gives up a lease held at `revision` (an empty owner, which the next `acquire` takes).
  /// False when it was no longer held at that revision or NATS cannot be asked.
  bool release(std::string_view key, uint64_t revision) override;

  /// The current holder of `key`, if any (`ours` is false). Empty when it is free or NATS
  /// cannot be asked.
  std::optional<lease> owner(std::string_view key) override;

  /// True while the connection is up.
  bool reachable() const override;

  /// The bucket key of a per-user actor (`lease_key`).
  static std::string key_of(std::string_view kind, std::string_view user, std::string_view key);

private:
  lease_store(natsConnection* connection, jsCtx* js, kvStore* kv)
      : connection_(connection), js_(js), kv_(kv) {}

  natsConnection* connection_;
  jsCtx* js_;
  kvStore* kv_;
};

} // namespace gh::nats
