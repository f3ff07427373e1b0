#pragma once

#include "actors/consumer.hpp"

#include <vector>

/// The consumers that turn events into deliveries.
namespace gh::webhooks {

/// One durable consumer per deliverable subject family of the contract's streams
/// (`webhooks_user` on `user.>`, `webhooks_payment` on `payment.>`, ...; never mail requests,
/// raw provider events or dead letters). Each records one `pending` delivery per enabled
/// endpoint of the event's tenant whose patterns match, in the transaction that marks the event
/// processed, and notifies the sender. The endpoints of a tenant are read once per batch.
std::vector<events::consumer_spec> fanout_consumers();

} // namespace gh::webhooks
