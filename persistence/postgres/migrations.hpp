#pragma once

#include <pqxx/connection>

#include <string>
#include <vector>

namespace gh::pg {

/// One versioned SQL file; the version is the number its name starts with (`0001_…`).
struct migration {
  std::string name;
  std::string sql;
};

/// The migrations in `persistence/postgres/migrations/`, compiled into the binary, in order.
const std::vector<migration>& embedded_migrations();

/// What `apply_migrations` did.
struct migration_report {
  std::vector<std::string> applied;
  std::size_t already_applied = 0;
};

/// Applies every migration not yet recorded in `schema_version`, each in its own transaction
/// under an advisory lock (so concurrent starts apply each once). Throws `std::runtime_error`
/// when an applied migration's checksum differs from the file's (history was edited) or a
/// name does not start with a version number.
migration_report apply_migrations(pqxx::connection& conn, const std::vector<migration>& all);

/// The SHA-256 of `text`, hex.
std::string sha256_hex(const std::string& text);

} // namespace gh::pg
