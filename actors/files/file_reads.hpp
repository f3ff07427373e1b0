#pragma once

#include "actors/replies.hpp"
#include "persistence/sql.hpp"
#include "providers/storage/storage.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace gh::files {

/// What the listings and the single-file reads need; every pointer outlives the caller.
struct read_options {
  db::database* db = nullptr;
  const storage::store* store = nullptr;
  int64_t url_ttl = 900; ///< download URLs' lifetime, seconds
  std::chrono::milliseconds db_timeout{5000};
};

/// Answers `r` (`?cursor&limit`, and `user_id` for operators) with a page of files, newest
/// first: `owner`'s only, or with `operators` every user's (or `user_id`'s) with their owners.
void list_files(caf::event_based_actor* self, const read_options& o, const replies::req_ptr& r,
                const std::string& owner, bool operators);

/// Answers `r` with the file `{id}`: `owner`'s only (404 for anyone else's), or any with
/// `operators`.
void get_file(caf::event_based_actor* self, const read_options& o, const replies::req_ptr& r,
              const std::string& owner, bool operators);

} // namespace gh::files
