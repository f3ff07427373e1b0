#pragma once

#include "messages/event_envelope.hpp"
#include "persistence/sql.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

/// What a capability hands the event pipeline: a durable JetStream consumer and the handler
/// that applies its events. The events module runs one worker per consumer (`worker.hpp`).
namespace gh::events {

/// What a handler decided about one event.
enum class outcome {
  done,  ///< Applied (or nothing to do): commit and acknowledge.
  retry, ///< A temporary failure: roll back and have JetStream deliver it again later.
  dead,  ///< It can never be applied: roll back and dead-letter it.
};

struct handled {
  outcome result = outcome::done;
  std::string reason; ///< Why (for retry and dead); never a secret.
};

/// How a message came to the handler.
struct delivery_info {
  uint64_t deliveries = 1; ///< 1 on the first delivery.
  uint64_t stream_sequence = 0;
};

/// Applies one event inside `tx`, the transaction that also records the event id as processed
/// for this consumer: the effects and the record commit together or not at all.
using event_handler =
    std::function<handled(const event_envelope&, const delivery_info&, db::transaction& tx)>;

/// A durable JetStream pull consumer and its handler.
struct consumer_spec {
  std::string name;    ///< Durable consumer name, shared by every Gatehouse process.
  std::string stream;  ///< e.g. `EMAIL`.
  std::string subject; ///< Filter subject, e.g. `email.send`.
  event_handler handler;
  /// When set, used instead of `handler`: makes the handler of one transaction's events, which
  /// may keep what it read for the rest of that batch (one lookup shared by many events).
  std::function<event_handler()> batch_handler;
  int max_deliveries = 5; ///< After this many failed deliveries the event is dead-lettered.
  std::chrono::seconds ack_wait{30};
  /// Delay before delivery n+1 after a `retry` on delivery n (the last one repeats).
  std::vector<std::chrono::milliseconds> backoff{std::chrono::seconds{1}, std::chrono::seconds{5},
                                                 std::chrono::seconds{30},
                                                 std::chrono::seconds{120}};
  int batch = 256;           ///< Messages per fetch.
  bool slow = false;         ///< Handlers that may take seconds: tell JetStream before each.
  int per_transaction = 256; ///< Events applied per PostgreSQL transaction (savepoint each).
};

} // namespace gh::events
