#pragma once

#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace gh::records {

/// What the records actor works with; the database outlives the actor.
struct records_options {
  db::database* db = nullptr;
  std::chrono::milliseconds db_timeout{5000};
  /// Creates, patches and deletes a user may make per minute in this process (429 above).
  int64_t writes_per_minute = 6000;
};

/// The records API (API.md "Records"): JSON records in named collections of the caller's own
/// and of the organizations they belong to. Every statement runs as `gatehouse_tenant` with the
/// caller set (`tenancy::respond`), so PostgreSQL's row-level security decides what exists for
/// whom; the actor adds the roles' answers (404 for non-members, 403 for a viewer's write), the
/// limits, versions and merge patches, and audits and announces every change.
http_handler_actor spawn_records(caf::actor_system& sys, records_options options);

/// One route of the records actor; all need a signed-in user.
struct route_entry {
  const char* method;
  const char* pattern;
  body_kind body;
};

/// The routes the records actor serves: five on personal collections, the same five on an
/// organization's.
const std::vector<route_entry>& routes();

} // namespace gh::records
