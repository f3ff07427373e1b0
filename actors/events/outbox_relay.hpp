#pragma once

#include "actors/event_stats.hpp"
#include "config/secret.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <nats/nats.h>

#include <chrono>

namespace gh::events {

/// What the outbox relay needs; the connection and the stats outlive the actor.
struct relay_options {
  config::secret database_url;
  natsConnection* nats = nullptr;
  event_stats* stats = nullptr;
  int batch = 256;                              ///< Rows per transaction.
  std::chrono::milliseconds poll{500};          ///< Longest sleep between looks at the outbox.
  std::chrono::hours keep_published{24 * 7};    ///< Published rows older than this are pruned.
  std::chrono::milliseconds publish_wait{5000}; ///< How long a batch waits for its acks.
};

/// The outbox relay: a detached actor with its own PostgreSQL connection that publishes
/// unpublished outbox rows to JetStream in `seq` order (asynchronously, a batch at a time: a row
/// JetStream refuses is published again after the rows behind it), `Nats-Msg-Id` = event id, and
/// marks a row published only after its publish acknowledgement. It sleeps on `LISTEN
/// gatehouse_outbox` (or `poll`), reconnects to PostgreSQL by itself and leaves rows in place while
/// NATS is down. Several relays on one database take turns through a transaction-scoped advisory
/// lock (rows are also locked `FOR UPDATE SKIP LOCKED`), so each row is published by one relay at a
/// time; JetStream's duplicate window drops the copy a relay republishes when its acknowledgement
/// was lost.
caf::actor spawn_outbox_relay(caf::actor_system& sys, relay_options options);

} // namespace gh::events
