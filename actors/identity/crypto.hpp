#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Small cryptographic helpers over OpenSSL that identity code shares.
namespace gh::crypto {

/// `n` bytes from the operating system's CSPRNG (OpenSSL `RAND_bytes`); throws if it fails.
std::string random_bytes(std::size_t n);

/// A random token of `bytes` bytes of entropy, base64url without padding.
std::string random_token(std::size_t bytes = 32);

/// A random RFC 4122 version-4 UUID in its lowercase text form.
std::string random_uuid();

/// Base64url (RFC 4648 §5) without padding.
std::string base64url_encode(std::string_view bytes);

/// Decodes unpadded base64url; empty when `text` has a character outside the alphabet, padding,
/// an impossible length, or non-zero trailing bits (so each value has exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view text);

/// SHA-256 of `data`, raw (32 bytes).
std::string sha256(std::string_view data);

/// SHA-256 of `data` as 64 lowercase hex digits; how Gatehouse stores opaque tokens.
std::string sha256_hex(std::string_view data);

/// HMAC-SHA-1 (RFC 6238 TOTP) of `data` under `key`, raw (20 bytes).
std::string hmac_sha1(std::string_view key, std::string_view data);

/// HMAC-SHA-256 of `data` under `key`, raw (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Compares in time that depends only on the lengths (OpenSSL `CRYPTO_memcmp`).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// Base32 (RFC 4648, no padding, upper case), as authenticator apps expect TOTP secrets.
std::string base32_encode(std::string_view bytes);

/// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

} // namespace gh::crypto
