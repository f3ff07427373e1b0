#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Standard Webhooks (https://www.standardwebhooks.com): signing what Gatehouse sends and
/// verifying what identity providers send. Symmetric `v1` signatures only: HMAC-SHA256 of
/// `<webhook-id>.<webhook-timestamp>.<body>` under the key bytes of a `whsec_<base64>` secret.
namespace gh::standard_webhooks {

/// Longest `webhook-id` accepted (it becomes an idempotency key).
inline constexpr std::size_t max_id_bytes = 255;

/// Longest `webhook-signature` header accepted before any parsing.
inline constexpr std::size_t max_signature_header_bytes = 4096;

/// Most space-separated entries read from one `webhook-signature` header.
inline constexpr std::size_t max_signatures = 16;

/// A fresh signing secret: `whsec_` and the base64 of 24 random bytes.
std::string new_secret();

/// The key bytes of a `whsec_<base64>` secret (16 to 64 bytes); empty when it is not one.
std::optional<std::string> secret_key(std::string_view secret);

/// One signature, `v1,<base64 HMAC-SHA256 of "id.timestamp.body" under key>`.
std::string sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body);

/// The `webhook-signature` header: one signature per key in `keys`, separated by spaces.
std::string signature_header(const std::vector<std::string>& keys, std::string_view id,
                             int64_t timestamp, std::string_view body);

/// The outcome of verifying a received webhook.
enum class verify_result {
  valid,
  missing_id,            ///< No `webhook-id` header.
  missing_timestamp,     ///< No `webhook-timestamp` header.
  missing_signature,     ///< No `webhook-signature` header.
  bad_id,                ///< The id is longer than `max_id_bytes` or not printable ASCII.
  bad_timestamp,         ///< The timestamp is not a positive decimal number of seconds.
  stale_timestamp,       ///< The timestamp is older than `now` by more than the tolerance.
  future_timestamp,      ///< The timestamp is ahead of `now` by more than the tolerance.
  malformed_signature,   ///< The header is too long or has too many entries.
  no_matching_signature, ///< No `v1` entry is the HMAC of the message under the key.
};

/// The `v1` signatures of a `webhook-signature` header, base64-decoded, in order; entries of
/// other versions (`v1a`, `v2`), entries without a comma and `v1` entries that are not base64
/// are skipped, as receivers of the specification do. Empty when the header is longer than
/// `max_signature_header_bytes` or has more than `max_signatures` entries.
std::optional<std::vector<std::string>> parse_signature_header(std::string_view header);

/// Verifies a received webhook: the three headers as received, the raw `body`, the key bytes
/// (`secret_key` of the configured secret) and `now` in Unix seconds. The timestamp must lie
/// within `tolerance` of `now` in either direction; every `v1` entry is compared in constant
/// time with the expected HMAC, and one match suffices (senders rotating keys send several).
/// An empty `key` verifies nothing.
verify_result verify(std::string_view key, std::string_view id, std::string_view timestamp,
                     std::string_view signature_header, std::string_view body, int64_t now,
                     std::chrono::seconds tolerance = std::chrono::seconds{300});

/// Why `result` refused a webhook, for the problem's detail; never echoes a signature.
std::string_view describe(verify_result result) noexcept;

} // namespace gh::standard_webhooks
