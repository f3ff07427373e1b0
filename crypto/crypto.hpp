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

/// A name-based UUID: version 8 (RFC 9562) over the first 16 bytes of SHA-256(`name`), the same
/// for the same name every time.
std::string name_uuid(std::string_view name);

/// Base64url (RFC 4648 §5) without padding.
std::string base64url_encode(std::string_view bytes);

/// Decodes unpadded base64url; empty when `text` has a character outside the alphabet, padding,
/// an impossible length, or non-zero trailing bits (so each value has exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view text);

/// Base64 (RFC 4648 §4) with padding.
std::string base64_encode(std::string_view bytes);

/// Decodes base64 (RFC 4648 §4), padded or not; empty when a character is outside the alphabet,
/// the padding is wrong, or trailing bits are not zero.
std::optional<std::string> base64_decode(std::string_view text);

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

/// Decodes RFC 4648 base32 (case-insensitive, no padding, spaces ignored); empty when a
/// character is outside the alphabet.
std::optional<std::string> base32_decode(std::string_view text);

/// HKDF-SHA-256 (RFC 5869) of `secret` with `info`, `length` bytes; no salt.
std::string hkdf_sha256(std::string_view secret, std::string_view info, std::size_t length);

/// Encrypts `plaintext` with AES-256-GCM under the 32-byte `key` and a random 96-bit nonce;
/// returns base64url(nonce | ciphertext | tag). `context` is bound as associated data, so a
/// value sealed for one row cannot be moved to another.
std::string seal(std::string_view key, std::string_view plaintext, std::string_view context);

/// Reverses `seal`; empty when the value was altered, sealed under another key or context.
std::optional<std::string> open(std::string_view key, std::string_view sealed,
                                std::string_view context);

/// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

} // namespace gh::crypto
