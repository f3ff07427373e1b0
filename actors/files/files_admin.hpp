#pragma once

#include "actors/api_keys.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"
#include "providers/storage/storage.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace gh::files {

/// What the files admin actor works with; every pointer outlives the actor.
struct files_admin_options {
  db::database* db = nullptr;
  /// Checks the presented key and the route's scope (`files:read`).
  api_keys::checker keys{{}};
  const storage::store* store = nullptr;
  int64_t url_ttl = 900; ///< FILES_URL_TTL in seconds
  std::chrono::milliseconds db_timeout{5000};
};

/// The operators' side of files (`Authorization: ApiKey <key>` with `files:read`): any user's
/// files, newest first (`?user_id&cursor&limit`), and one file, with download URLs.
http_handler_actor spawn_files_admin(caf::actor_system& sys, files_admin_options options);

/// The routes the files admin actor serves and the scope each needs.
const std::vector<api_keys::key_route>& admin_routes();

} // namespace gh::files
