#pragma once

#include "actors/files/storage_calls.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"
#include "providers/storage/storage.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gh::files {

/// What the files actor works with; every pointer outlives the actor.
struct files_options {
  db::database* db = nullptr;
  const storage::store* store = nullptr;
  /// The registry of per-user actors, where upload actors live.
  caf::actor registry;
  int64_t max_bytes = 0;                  ///< FILES_MAX_BYTES
  int64_t quota_bytes = 0;                ///< FILES_QUOTA_BYTES
  std::vector<std::string> allowed_types; ///< FILES_ALLOWED_TYPES
  int64_t url_ttl = 900;                  ///< FILES_URL_TTL in seconds
  std::chrono::milliseconds db_timeout{5000};
  /// An upload actor's answer (store calls and a transaction): before the handler timeout.
  std::chrono::milliseconds upload_timeout{28000};
};

/// The user side of files (API.md "Files"): uploads (each followed by its upload actor),
/// completion, listing, reading and deletion, always the caller's own; another user's file is
/// 404.
http_handler_actor spawn_files(caf::actor_system& sys, files_options options);

/// One route of the files actor; all need a signed-in user.
struct route_entry {
  const char* method;
  const char* pattern;
  body_kind body;
};

/// The routes the files actor serves.
const std::vector<route_entry>& routes();

} // namespace gh::files
