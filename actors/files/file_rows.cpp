#include "actors/files/file_rows.hpp"

#include "actors/files/requests.hpp"
#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>

#include <chrono>
#include <optional>

namespace gh::files {

const std::string file_columns =
    "f.id::text, f.user_id::text, f.tenant_id::text, f.filename, f.content_type, f.size::text, "
    "f.status, f.sha256, to_char(f.created_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "(extract(epoch FROM f.created_at) * 1000000)::bigint::text, "
    "extract(epoch FROM f.upload_expires_at)::bigint::text, f.storage_key";

file_row file_row::from(const db::row& r) {
  file_row f;
  f.id = db::text(r, 0);
  f.user_id = db::text(r, 1);
  f.tenant_id = db::text(r, 2);
  f.filename = db::text(r, 3);
  f.content_type = db::text(r, 4);
  f.size = decode::parse_int(db::text(r, 5), 18, false).value_or(0);
  f.status = db::text(r, 6);
  f.sha256 = db::text(r, 7);
  f.created_at = db::text(r, 8);
  f.created_us = decode::parse_int(db::text(r, 9), 18, false).value_or(0);
  f.upload_expires_at = decode::parse_int(db::text(r, 10), 18, false).value_or(0);
  f.storage_key = db::text(r, 11);
  return f;
}

boost::json::object file_json(const file_row& f, const storage::store& store, int64_t now,
                              int64_t ttl, bool with_owner) {
  boost::json::object o;
  o["id"] = f.id;
  if (with_owner)
    o["user_id"] = f.user_id;
  o["filename"] = f.filename;
  o["content_type"] = f.content_type;
  o["size"] = f.size;
  o["status"] = f.status;
  o["created_at"] = f.created_at;
  if (f.status == "ready") {
    o["download_url"] = store.download_url(f.object(), now, ttl);
    o["download_expires_at"] =
        to_rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{now + ttl}});
  }
  return o;
}

boost::json::object event_data(const file_row& f) {
  return {{"user_id", f.user_id},
          {"file_id", f.id},
          {"size", f.size},
          {"content_type", f.content_type}};
}

boost::json::object page_json(const db::rows& rows, std::size_t limit, const storage::store& store,
                              int64_t ttl, bool with_owner) {
  boost::json::array items;
  std::optional<file_row> last;
  const auto now = unix_now();
  for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
    last = file_row::from(rows[i]);
    items.push_back(file_json(*last, store, now, ttl, with_owner));
  }
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] = rows.size() > limit && last
                            ? boost::json::value(encode_cursor({last->created_us, last->id}))
                            : boost::json::value(nullptr);
  return body;
}

} // namespace gh::files
