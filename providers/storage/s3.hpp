#pragma once

#include "providers/storage/sigv4.hpp"
#include "providers/storage/storage.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <utility>

namespace gh::storage {

/// Where the bucket is and who signs.
struct s3_options {
  std::string endpoint; ///< `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`
  std::string bucket;
  /// `{endpoint}/{bucket}/{key}` (MinIO, Ceph, Swift) instead of `{bucket}.{host}/{key}`.
  bool path_style = false;
  sigv4::credentials keys;
  std::chrono::milliseconds connect_timeout{5000};
  /// HEAD and DELETE; a GET ends when it stalls longer than `stall_timeout` instead.
  std::chrono::milliseconds request_timeout{15000};
  std::chrono::milliseconds stall_timeout{15000};
};

/// An S3 bucket (AWS S3, MinIO, Ceph, Swift's S3 API, GCS with HMAC keys). Uploads and
/// downloads are presigned query URLs (the upload's `Content-Type` and `Content-Length`
/// signed, so the store refuses anything else); `stat`, `sha256` and `remove` are
/// header-signed HEAD, GET and DELETE requests made with libcurl.
class s3_store final : public store {
public:
  explicit s3_store(s3_options options);

  std::string_view name() const noexcept override { return "s3"; }
  upload_target upload_url(const object_ref& o, int64_t now, int64_t ttl) const override;
  std::string download_url(const object_ref& o, int64_t now, int64_t ttl) const override;
  object_info stat(const std::string& key) const override;
  object_digest sha256(const std::string& key) const override;
  outcome remove(const std::string& key) const override;

  /// The `host` header and URI path of `key` (the bucket in one or the other).
  std::pair<std::string, std::string> locate(const std::string& key) const;

private:
  struct call_result;
  call_result call(const std::string& method, const std::string& key,
                   const std::function<void(std::string_view)>* sink) const;

  s3_options opt_;
  std::string scheme_;
  std::string host_; ///< host[:port] of the endpoint
};

} // namespace gh::storage
