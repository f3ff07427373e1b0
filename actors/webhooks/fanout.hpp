#pragma once

#include "actors/consumer.hpp"

#include <vector>

/// The consumers that turn events into deliveries.
namespace gh::webhooks {

/// One durable consumer per deliverable subject family of the contract's streams
/// (`webhooks_user` on `user.>`, `webhooks_payment` on `payment.>`, ...; never mail requests,
/// raw provider events or dead letters). Each records one `pending` delivery per enabled
/// endpoint of the event's tenant whose patterns match, in the transaction that marks the event
/// processed, and notifies the sender.
std::vector<events::consumer_spec> fanout_consumers();

/// The handler of those consumers (exposed for tests).
events::handled fan_out(const event_envelope& event, db::transaction& tx);

} // namespace gh::webhooks
