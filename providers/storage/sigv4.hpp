#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// AWS Signature Version 4 (the S3 flavour): plain functions over strings, no I/O, so AWS's
/// published vectors test them directly.
namespace gh::storage::sigv4 {

/// Whose key signs, and where it is valid.
struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string service = "s3";
};

/// One request to sign. `path` is the URI path as it goes on the wire (already encoded; S3
/// does not encode it twice); `query` and `headers` hold raw values, encoded and sorted here.
struct request {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  /// Every header to sign, `host` included; names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
  std::string payload_hash = "UNSIGNED-PAYLOAD";
};

/// `text` percent-encoded as SigV4 wants: every byte outside `A-Za-z0-9-._~` as `%XX` (upper
/// case), `/` too unless `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash = false);

/// `YYYYMMDDTHHMMSSZ` of `unix_seconds`.
std::string amz_date(int64_t unix_seconds);

/// The canonical request of `r` (method, path, sorted encoded query, canonical headers, signed
/// header names, payload hash), as AWS defines it.
std::string canonical_request(const request& r);

/// The semicolon-separated, sorted, lower-case names of `r`'s headers.
std::string signed_headers(const request& r);

/// The hex signature of `r` made at `date` (`YYYYMMDDTHHMMSSZ`) with `c`.
std::string signature(const request& r, const credentials& c, std::string_view date);

/// The query parameters of a presigned URL for `r` (`X-Amz-Algorithm`, `-Credential`, `-Date`,
/// `-Expires`, `-SignedHeaders`, `-Signature`, after `r.query`), encoded and joined with `&`.
/// The headers of `r` are signed: the client must send exactly them.
std::string presign_query(request r, const credentials& c, std::string_view date,
                          int64_t expires_seconds);

/// The `Authorization` header for `r`; `r.headers` must already hold `x-amz-date` = `date` and
/// `x-amz-content-sha256` = `r.payload_hash`.
std::string authorization(const request& r, const credentials& c, std::string_view date);

} // namespace gh::storage::sigv4
