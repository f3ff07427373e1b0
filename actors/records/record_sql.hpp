#pragma once

#include <string>
#include <string_view>

/// The statements of the records service (each runs after `tenancy::enter_sql`, as
/// `gatehouse_tenant`), in a header of their own so that bench/records_load.cpp runs exactly
/// what Gatehouse runs when it measures PostgreSQL without the gateway.
namespace gh::records::sql {

/// What a statement narrows to besides what row-level security allows: the caller's personal
/// records, or those of the organization the transaction names.
inline std::string_view scope(bool shared) {
  return shared ? "org_id = gh_caller_org()" : "owner_id = gh_caller() AND org_id IS NULL";
}

/// A record as the API shows it: id, data, version, created_at, updated_at (RFC 3339 UTC with
/// microseconds), then its place in newest-first order (created_at in microseconds).
inline constexpr std::string_view columns =
    "id::text, data::text, version::text, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "(extract(epoch FROM created_at) * 1000000)::bigint::text";

/// $1 id, $2 owner (NULL for an organization's record), $3 organization (NULL for a personal
/// one), $4 collection, $5 data.
inline std::string insert() {
  return "INSERT INTO records (id, tenant_id, owner_id, org_id, collection, data) VALUES "
         "($1::uuid, gh_caller_tenant(), $2::uuid, $3::uuid, $4, $5::jsonb) RETURNING " +
         std::string{columns};
}

/// $1 id, $2 collection.
inline std::string select_one(bool shared) {
  return "SELECT " + std::string{columns} +
         " FROM records WHERE id = $1::uuid AND collection = $2 AND " + std::string{scope(shared)};
}

/// $1 id, $2 collection: the data and version of a record about to change, locked.
inline std::string lock_one(bool shared) {
  return "SELECT data::text, version::text FROM records WHERE id = $1::uuid AND collection = $2 "
         "AND " +
         std::string{scope(shared)} + " FOR UPDATE";
}

/// $1 id, $2 the new data.
inline std::string update() {
  return "UPDATE records SET data = $2::jsonb, version = version + 1, updated_at = now() "
         "WHERE id = $1::uuid RETURNING " +
         std::string{columns};
}

/// $1 id, $2 collection; the version the record had.
inline std::string remove(bool shared) {
  return "DELETE FROM records WHERE id = $1::uuid AND collection = $2 AND " +
         std::string{scope(shared)} + " RETURNING version::text";
}

/// A page, newest first: $1 collection, then (when `filtered`) the filter, then (when `after`)
/// the cursor's microseconds and id, then the row count.
inline std::string page(bool shared, bool filtered, bool after) {
  std::string q = "SELECT " + std::string{columns} + " FROM records WHERE " +
                  std::string{scope(shared)} + " AND collection = $1";
  int n = 1;
  if (filtered)
    q += " AND data @> $" + std::to_string(++n) + "::jsonb";
  if (after) {
    q += " AND (created_at, id) < (timestamptz 'epoch' + $" + std::to_string(n + 1) +
         "::bigint * interval '1 microsecond', $" + std::to_string(n + 2) + "::uuid)";
    n += 2;
  }
  return q + " ORDER BY created_at DESC, id DESC LIMIT $" + std::to_string(n + 1);
}

} // namespace gh::records::sql
