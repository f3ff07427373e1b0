#pragma once

#include "config/settings.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Object storage behind one interface: `local` (the embedded default, served by Gatehouse
/// itself) and `s3` (AWS Signature Version 4). Clients send and fetch the bytes with signed URLs;
/// Gatehouse only signs, checks and deletes.
namespace gh::storage {

/// An object as the URLs describe it.
struct object_ref {
  std::string key;          ///< `{tenant_id}/{user_id}/{file_id}`
  std::string content_type; ///< what the upload must send and the download answers
  int64_t size = 0;         ///< the exact length the upload must send
  std::string filename;     ///< the download's `Content-Disposition` name (sanitised)
};

/// Where and how a client sends an object's bytes.
struct upload_target {
  std::string url;
  std::string method = "PUT";
  /// Headers the client must send as they are (at least `Content-Type`).
  std::vector<std::pair<std::string, std::string>> headers;
};

/// How a blocking call to the store ended.
enum class outcome {
  ok,
  missing,    ///< no such object
  unavailable ///< the store could not be asked (network, permissions, disk)
};

/// What `stat` found.
struct object_info {
  outcome result = outcome::unavailable;
  int64_t size = 0;
  std::string detail; ///< why it is unavailable; never a credential
};

/// What `sha256` found.
struct object_digest {
  outcome result = outcome::unavailable;
  std::string sha256_hex;
  int64_t size = 0;
  std::string detail;
};

/// One object store. The URL makers are pure and cheap (no I/O: call them anywhere); `stat`,
/// `sha256` and `remove` block on disk or network and belong on a thread that may block.
class store {
public:
  virtual ~store() = default;

  /// `local` or `s3`.
  virtual std::string_view name() const noexcept = 0;

  /// A URL that accepts exactly `o`'s bytes (its size and content type) until `now + ttl`.
  virtual upload_target upload_url(const object_ref& o, int64_t now, int64_t ttl) const = 0;

  /// A URL that answers `o` as an attachment named `o.filename` until `now + ttl`.
  virtual std::string download_url(const object_ref& o, int64_t now, int64_t ttl) const = 0;

  /// The object's size, or that it is missing.
  virtual object_info stat(const std::string& key) const = 0;

  /// The SHA-256 of the object's bytes, read through once (bounded memory).
  virtual object_digest sha256(const std::string& key) const = 0;

  /// Deletes the object and whatever partial upload of it is left; `ok` also when there was
  /// nothing to delete.
  virtual outcome remove(const std::string& key) const = 0;
};

/// True for `{uuid}/{uuid}/{uuid}` in canonical lower-case form: the only keys Gatehouse makes.
bool is_object_key(std::string_view key) noexcept;

/// The key of `file_id` of `user_id` in `tenant_id`.
std::string object_key(std::string_view tenant_id, std::string_view user_id,
                       std::string_view file_id);

/// `attachment; filename="…"; filename*=UTF-8''…` for `filename` (RFC 6266: an ASCII fallback
/// with anything unsafe as `_`, and the exact name percent-encoded).
std::string content_disposition(std::string_view filename);

/// The store of the configuration (`STORAGE_BACKEND`, `S3_*`, `GATEHOUSE_DATA_DIR`); the local
/// store's URLs start at `public_base`, its tokens are signed with a key derived from
/// `secrets_key`. Throws when the store cannot be set up (data dir not writable).
std::shared_ptr<store> store_of(const config::settings& s, std::string_view secrets_key,
                                const std::string& public_base);

} // namespace gh::storage
