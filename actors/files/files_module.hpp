#pragma once

#include "actors/app.hpp"

/// Files (API.md "Files"): signed uploads and downloads through a `storage` backend (`local`,
/// served by the gateway's storage stream, or `s3`), an upload actor per file, quotas reserved
/// in PostgreSQL, `file.uploaded` / `file.deleted` on the FILES stream.
namespace gh::files {

/// Registers the files routes (user and admin), the `upload` per-user actor kind, the janitor
/// that wakes pending uploads after a restart, the pushed `file.*` events, and hands a local
/// backend to the front actor.
void install(app& a);

} // namespace gh::files
