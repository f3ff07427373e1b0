#pragma once

#include "persistence/sql.hpp"
#include "providers/storage/storage.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh::files {

/// The columns of `files f` that `file_row::from` reads, in order.
extern const std::string file_columns;

/// One row of `files` as the API shows it.
struct file_row {
  std::string id;
  std::string user_id;
  std::string tenant_id;
  std::string filename;
  std::string content_type;
  int64_t size = 0;
  std::string status; ///< `pending` or `ready`
  std::string sha256; ///< empty when none was declared
  std::string created_at;
  int64_t created_us = 0;
  int64_t upload_expires_at = 0; ///< Unix seconds
  std::string storage_key;

  /// Reads the columns of `file_columns`.
  static file_row from(const db::row& r);

  /// What the store's URLs describe.
  storage::object_ref object() const { return {storage_key, content_type, size, filename}; }
};

/// `{id, filename, content_type, size, status, created_at, download_url?,
/// download_expires_at?}` (API.md "Files"), the download URL only when ready, valid `ttl`
/// seconds from `now`; `user_id` too when `with_owner` (operators).
boost::json::object file_json(const file_row& f, const storage::store& store, int64_t now,
                              int64_t ttl, bool with_owner = false);

/// The `file.uploaded` / `file.deleted` event data: `{user_id, file_id, size, content_type}`.
boost::json::object event_data(const file_row& f);

/// A page of `rows` (fetched with one more than `limit`): `{items, next_cursor}`, newest first.
boost::json::object page_json(const db::rows& rows, std::size_t limit, const storage::store& store,
                              int64_t ttl, bool with_owner);

} // namespace gh::files
