#pragma once

#include "actors/app.hpp"

/// Records (API.md "Records"): JSON records in named collections of a user's own and of the
/// organizations they belong to, under PostgreSQL row-level security, announced on the RECORDS
/// stream and pushed to the WebSockets of the users allowed to read them.
namespace gh::records {

/// Spawns the records actor and the push audience actor, and registers the ten record routes and
/// the pushed `record.created`, `record.updated` and `record.deleted` events.
void install(app& a);

} // namespace gh::records
