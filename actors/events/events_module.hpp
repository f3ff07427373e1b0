#pragma once

#include "actors/app.hpp"

/// The event pipeline (API.md "Events"): the outbox relay, one worker per registered consumer,
/// the schedules, dead letters, live pushes to users' WebSockets, and email (`email.send` and
/// the welcome email of `user.created`).
namespace gh::events {

/// Registers the email consumers and the pipeline's metrics; at start, once every module is
/// installed, spawns the relay, the workers of every registered consumer, the schedules and
/// the push subscriptions.
void install(app& a);

} // namespace gh::events
