#pragma once

#include "actors/files/storage_calls.hpp"
#include "messages/user_key.hpp"
#include "persistence/sql.hpp"
#include "providers/storage/storage.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/local_actor.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>

namespace gh::files {

/// The registry kind of upload actors.
inline constexpr std::string_view upload_kind = "upload";

/// What upload actors share; every pointer outlives them.
struct upload_options {
  db::database* db = nullptr;
  storage_calls* calls = nullptr;
  const storage::store* store = nullptr;
  std::chrono::milliseconds db_timeout{5000};
  /// One store call (a HEAD, or reading the whole object for its SHA-256).
  std::chrono::milliseconds store_timeout{20000};
  /// After the URL expired, how long an upload still in flight may take to land.
  std::chrono::seconds expiry_grace{2};
  /// Lifetime of the download URLs in answers, seconds.
  int64_t url_ttl = 900;
};

/// How an upload actor answers `complete_atom` and `delete_atom`: `(uint8_t gh_errc, std::string
/// text)`, where `text` is the file as JSON (complete) or empty (delete) on `ok`, and the
/// problem's detail otherwise.
///
/// The actor owns one upload (`user_key{upload_kind, user id, file id}`). It loads its row, and
/// only a row of its own user, from PostgreSQL when spawned, so it is found again after a
/// restart; a user without such a file gets `not_found` and the actor ends at once.
///
/// - `complete_atom`: verifies the object (present, the declared size, the declared SHA-256),
///   then marks the file ready and writes `file.uploaded` in one transaction; a ready file
///   answers as it is (no second event). `conflict` when the object is missing or differs.
/// - `delete_atom`: deletes the object, then the row, releases its bytes from the quota and
///   writes `file.deleted` in one transaction.
/// - `refresh_atom`: (re)loads the row; a pending upload arms its expiry: when the URL expired
///   (plus the grace) without a completed upload, the object and any partial upload are deleted,
///   then the row, and its bytes released.
///
/// Operations on one file run one at a time, in arrival order. The actor ends once its file is
/// ready, deleted or expired: only pending uploads keep one alive.
caf::actor spawn_upload_flow(caf::local_actor* parent, const user_key& key,
                             const upload_options& options);

/// The registry kind of upload actors, idle-reaped after `idle` (longer than a URL lives).
user_actor_kind upload_flow_kind(const upload_options& options, std::chrono::milliseconds idle);

/// Spawns the actor that finds pending uploads in PostgreSQL and wakes their upload actors
/// through `registry`: all of them shortly after start (so a restart loses no expiry), then
/// every `interval` those whose URL expired (should an actor have gone missing).
caf::actor spawn_upload_janitor(caf::actor_system& sys, db::database* db, caf::actor registry,
                                std::chrono::milliseconds interval, std::chrono::seconds grace);

} // namespace gh::files
