#include "persistence/postgres/migrations.hpp"

#include <openssl/sha.h>
#include <pqxx/transaction>

#include <array>
#include <charconv>
#include <stdexcept>

namespace gh::pg {

namespace {

/// Serialises migrations across processes; an arbitrary constant owned by Gatehouse.
constexpr long long migration_lock_key = 0x6761746568; // "gateh"

int version_of(const std::string& name) {
  int version = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
  if (ec != std::errc{} || end == name.data() || *end != '_' || version <= 0)
    throw std::runtime_error("migration '" + name + "' must be named <version>_<name>.sql");
  return version;
}

} // namespace

std::string sha256_hex(const std::string& text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (auto byte : digest) {
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0xF]);
  }
  return out;
}

migration_report apply_migrations(pqxx::connection& conn, const std::vector<migration>& all) {
  {
    // CREATE TABLE IF NOT EXISTS races with itself: concurrent starts take the lock first.
    pqxx::work tx{conn};
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
    tx.exec0("CREATE TABLE IF NOT EXISTS schema_version ("
             " version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())");
    tx.commit();
  }
  migration_report report;
  int previous = 0;
  for (const auto& m : all) {
    const int version = version_of(m.name);
    if (version <= previous)
      throw std::runtime_error("migration versions must increase: '" + m.name + "'");
    previous = version;
    const auto checksum = sha256_hex(m.sql);
    pqxx::work tx{conn};
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
    auto row = tx.exec_params("SELECT checksum FROM schema_version WHERE version = $1", version);
    if (!row.empty()) {
      if (row[0][0].as<std::string>() != checksum)
        throw std::runtime_error("migration '" + m.name +
                                 "' was changed after it was applied; add a new migration instead");
      ++report.already_applied;
      continue;
    }
    tx.exec0(m.sql);
    tx.exec_params0("INSERT INTO schema_version (version, name, checksum) VALUES ($1, $2, $3)",
                    version, m.name, checksum);
    tx.commit();
    report.applied.push_back(m.name);
  }
  return report;
}

} // namespace gh::pg
