#pragma once

#include "actors/events/event_stats.hpp"
#include "config/secret.hpp"
#include "messages/event_envelope.hpp"
#include "persistence/sql.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <nats/nats.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

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

/// What every worker shares; outlives the workers.
struct worker_options {
  config::secret database_url;
  natsConnection* nats = nullptr;
  event_stats* stats = nullptr;
  std::chrono::milliseconds fetch_wait{500};
};

/// A worker actor: a detached actor with its own PostgreSQL connection that pulls from the
/// durable consumer `spec.name` (created or updated to this spec: explicit ack, `ack_wait`,
/// redelivery bounded by the worker itself) and applies each fetched batch in one transaction:
/// the batch's event ids are recorded in `processed_events` (an id seen before is acknowledged
/// and skipped), each handler runs under its own savepoint, and a handler that does not finish
/// leaves neither effects nor its id behind; messages are acknowledged after the commit. A
/// retry is a negative acknowledgement delayed by `backoff`. While PostgreSQL is unreachable
/// the worker fetches nothing, and a batch lost to a database failure is delivered again
/// without ever being dead-lettered for it. Malformed envelopes, envelopes whose type is not
/// the subject, events the database refuses and events that fail `max_deliveries` times are
/// dead-lettered with the reason; nothing a message holds can stop the worker. Every process
/// runs the same consumers, so JetStream splits the work.
caf::actor spawn_worker(caf::actor_system& sys, worker_options options, consumer_spec spec);

} // namespace gh::events
