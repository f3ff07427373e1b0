#pragma once

#include "actors/consumer.hpp"
#include "actors/event_stats.hpp"
#include "config/secret.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <nats/nats.h>

#include <chrono>
#include <functional>
#include <string>

namespace gh::events {

/// What every worker shares; outlives the workers.
struct worker_options {
  config::secret database_url;
  natsConnection* nats = nullptr;
  event_stats* stats = nullptr;
  std::chrono::milliseconds fetch_wait{500};
  /// True once the streams exist; a worker subscribes only then (null: at once).
  std::function<bool()> streams_ready;
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
