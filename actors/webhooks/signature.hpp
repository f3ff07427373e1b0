#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Standard Webhooks signatures (https://www.standardwebhooks.com): what receivers verify with
/// any Standard Webhooks library.
namespace gh::webhooks {

/// A fresh signing secret: `whsec_` and the base64 of 24 random bytes.
std::string new_secret();

/// The key bytes of a `whsec_<base64>` secret; empty when it is not one.
std::optional<std::string> secret_key(std::string_view secret);

/// One signature, `v1,<base64 HMAC-SHA256 of "id.timestamp.body" under key>`.
std::string sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body);

/// The `webhook-signature` header: one signature per key in `keys`, separated by spaces.
std::string signature_header(const std::vector<std::string>& keys, std::string_view id,
                             int64_t timestamp, std::string_view body);

} // namespace gh::webhooks
