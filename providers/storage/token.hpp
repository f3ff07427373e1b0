#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

/// The local store's signed URL tokens: `base64url(claims).base64url(HMAC-SHA-256)`, each one
/// bound to a method, an object key, a size, a content type, a download name and an expiry.
namespace gh::storage {

/// What a token allows.
struct token_claims {
  std::string method; ///< `PUT` (upload) or `GET` (download; also answers `HEAD`)
  std::string key;
  int64_t size = 0;
  std::string content_type;
  std::string filename; ///< downloads only
  int64_t expires_at = 0;
};

/// Why a token is refused (all of them answer 403).
enum class token_error {
  malformed,     ///< not a token of ours
  bad_signature, ///< altered, or signed with another key
  expired,
};

/// The longest token accepted.
inline constexpr std::size_t max_token_chars = 2048;

/// Encodes and signs `c` with `key`. Fields hold no newline (keys, media types and sanitised
/// names never do); throws `std::invalid_argument` otherwise.
std::string encode_token(const token_claims& c, std::string_view key);

/// Checks `text`'s signature with `key` (constant time) and its expiry against `now`, then
/// decodes it. Never throws.
std::variant<token_claims, token_error> decode_token(std::string_view text, std::string_view key,
                                                     int64_t now) noexcept;

} // namespace gh::storage
