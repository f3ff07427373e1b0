#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

namespace gh::crypto {

namespace {

constexpr std::string_view b64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr)
    throw std::runtime_error("HMAC failed");
  return {reinterpret_cast<const char*>(out.data()), len};
}

} // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string random_token(std::size_t bytes) {
  return base64url_encode(random_bytes(bytes));
}

namespace {

/// The first 16 bytes of `b` as an RFC 9562 UUID of `version` (variant 10xx).
std::string format_uuid(std::string b, unsigned version) {
  b.resize(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0FU) | (version << 4U));
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3FU) | 0x80U);
  const auto hex = to_hex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

} // namespace

std::string random_uuid() {
  return format_uuid(random_bytes(16), 4);
}

std::string name_uuid(std::string_view name) {
  return format_uuid(sha256(name), 8);
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{at(i)} << 16U) | (uint32_t{at(i + 1)} << 8U) | at(i + 2);
    out += b64url_alphabet[(v >> 18U) & 63U];
    out += b64url_alphabet[(v >> 12U) & 63U];
    out += b64url_alphabet[(v >> 6U) & 63U];
    out += b64url_alphabet[v & 63U];
  }
  const auto rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{at(i)} << 16U;
    out += b64url_alphabet[(v >> 18U) & 63U];
    out += b64url_alphabet[(v >> 12U) & 63U];
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{at(i)} << 16U) | (uint32_t{at(i + 1)} << 8U);
    out += b64url_alphabet[(v >> 18U) & 63U];
    out += b64url_alphabet[(v >> 12U) & 63U];
    out += b64url_alphabet[(v >> 6U) & 63U];
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  auto out = base64url_encode(bytes);
  for (auto& c : out)
    c = c == '-' ? '+' : (c == '_' ? '/' : c);
  while (out.size() % 4 != 0)
    out += '=';
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 == 0 && text.ends_with('='))
    text.remove_suffix(text.ends_with("==") ? 2 : 1);
  std::string url{text};
  for (auto& c : url) {
    if (c == '-' || c == '_')
      return std::nullopt;
    c = c == '+' ? '-' : (c == '/' ? '_' : c);
  }
  return base64url_decode(url);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  unsigned bits = 0;
  for (const char c : text) {
    const int v = b64url_value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6U) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFFU);
    }
  }
  // Leftover bits must be zero: otherwise two texts would decode to the same bytes.
  if ((acc & ((1U << bits) - 1U)) != 0)
    return std::nullopt;
  return out;
}

std::string sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return {reinterpret_cast<const char*>(out.data()), out.size()};
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  return hmac(EVP_sha1(), key, data);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac(EVP_sha256(), key, data);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base32_encode(std::string_view bytes) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t acc = 0;
  unsigned bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8U) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(acc >> bits) & 31U];
    }
  }
  if (bits > 0)
    out += alphabet[(acc << (5 - bits)) & 31U];
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  unsigned bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else if (c == ' ')
      continue;
    if (v < 0)
      return std::nullopt;
    acc = (acc << 5U) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFFU);
    }
  }
  return out;
}

std::string hkdf_sha256(std::string_view secret, std::string_view info, std::size_t length) {
  std::string out(length, '\0');
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx{
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free};
  std::size_t out_len = length;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()),
                                 static_cast<int>(secret.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(info.data()),
                                  static_cast<int>(info.size())) <= 0 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len) <= 0 ||
      out_len != length)
    throw std::runtime_error("HKDF failed");
  return out;
}

namespace {

constexpr std::size_t gcm_nonce = 12;
constexpr std::size_t gcm_tag = 16;

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

} // namespace

std::string seal(std::string_view key, std::string_view plaintext, std::string_view context) {
  if (key.size() != 32)
    throw std::invalid_argument("seal needs a 32-byte key");
  const auto nonce = random_bytes(gcm_nonce);
  std::string out(gcm_nonce + plaintext.size() + gcm_tag, '\0');
  std::copy(nonce.begin(), nonce.end(), out.begin());
  auto* body = reinterpret_cast<unsigned char*>(out.data() + gcm_nonce);
  cipher_ctx ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  int len = 0;
  int total = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key), bytes_of(nonce)) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len, bytes_of(plaintext),
                        static_cast<int>(plaintext.size())) != 1)
    throw std::runtime_error("AES-GCM encryption failed");
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), body + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(gcm_tag),
                          body + plaintext.size()) != 1)
    throw std::runtime_error("AES-GCM encryption failed");
  return base64url_encode(out);
}

std::optional<std::string> open(std::string_view key, std::string_view sealed,
                                std::string_view context) {
  auto raw = base64url_decode(sealed);
  if (key.size() != 32 || !raw || raw->size() < gcm_nonce + gcm_tag)
    return std::nullopt;
  const std::string_view all{*raw};
  const auto nonce = all.substr(0, gcm_nonce);
  const auto body = all.substr(gcm_nonce, all.size() - gcm_nonce - gcm_tag);
  std::string tag{all.substr(all.size() - gcm_tag)};
  std::string out(body.size(), '\0');
  cipher_ctx ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key), bytes_of(nonce)) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        bytes_of(body), static_cast<int>(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(gcm_tag), tag.data()) !=
          1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) != 1)
    return std::nullopt;
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out += digits[u >> 4U];
    out += digits[u & 15U];
  }
  return out;
}

} // namespace gh::crypto
