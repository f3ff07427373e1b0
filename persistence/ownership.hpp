#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gh {

/// The lease key of a per-user actor: `kind.user.key`, each part with every byte outside
/// `[A-Za-z0-9-]` written as `_XX` (hex) and an empty part as `_`, so any kind, user id or
/// actor key maps to one valid NATS KV key and no two map to the same one.
std::string lease_key(std::string_view kind, std::string_view user, std::string_view key);

/// Who owns one per-user actor, as its lease says.
struct actor_lease {
  std::string owner;     ///< The owning instance (`GATEHOUSE_INSTANCE_ID`).
  uint64_t revision = 0; ///< The store's revision of the last write: what a renewal compares.
  bool ours = false;     ///< True when the instance that asked owns it.
};

/// The ownership leases of per-user actors (DESIGN.md "Growing past one machine"): one per
/// actor, naming the instance that runs it, expiring unless its owner renews it. Every write is
/// a compare-and-set, so two instances never both own one actor. Calls block (a detached actor
/// makes them); the NATS KV implementation is `nats::lease_store`.
class lease_directory {
public:
  virtual ~lease_directory() = default;

  /// False while the store cannot be reached: callers then decide without it instead of
  /// waiting for a timeout.
  virtual bool reachable() const = 0;

  /// Takes the lease on `key` for `instance` when nobody holds it (or `instance` already does);
  /// otherwise says who does. Empty when the store cannot be asked.
  virtual std::optional<actor_lease> acquire(std::string_view key, std::string_view instance) = 0;

  /// Writes `instance` into the lease at `revision` (a renewal by its owner, or taking it over
  /// from an owner that is gone): the new revision, or empty when the lease changed since.
  virtual std::optional<uint64_t> renew(std::string_view key, std::string_view instance,
                                        uint64_t revision) = 0;

  /// Gives up a lease held at `revision`; false when it changed since.
  virtual bool release(std::string_view key, uint64_t revision) = 0;

  /// The current holder of `key`, if any (`ours` is false). Empty when it is free or the store
  /// cannot be asked.
  virtual std::optional<actor_lease> owner(std::string_view key) = 0;
};

/// Carries messages for per-user actors to the instance that owns them, and their answers
/// back (NATS request/reply in `nats::owner_link`). Callable from any thread.
class owner_channel {
public:
  /// What arrives: a request for an actor this instance is said to own (its envelope, and
  /// where its answer goes), or the answer to a request this instance sent (`body` empty when
  /// nobody listens for the owner any more: it is gone).
  using request_sink = std::function<void(std::string envelope, std::string reply_to)>;
  using answer_sink = std::function<void(uint64_t token, std::optional<std::string> body)>;

  virtual ~owner_channel() = default;

  /// Sends `envelope` to `instance`; its answer reaches the answer sink with `token`. False
  /// when it could not be sent.
  virtual bool send(std::string_view instance, std::string_view envelope, uint64_t token) = 0;

  /// Answers a request that arrived with `reply_to`.
  virtual void answer(std::string_view reply_to, std::string_view body) = 0;

  /// Asks whether anybody listens for `instance`: its link answers at once, without its
  /// registry; the answer (empty when nobody listens) reaches the answer sink with `token`.
  virtual void probe(std::string_view instance, uint64_t token) = 0;
};

} // namespace gh
