#include "actors/identity/totp.hpp"

#include "crypto/crypto.hpp"

#include <array>
#include <cctype>

namespace gh::totp {

std::string code_for_step(std::string_view key, int64_t step) {
  std::array<char, 8> counter{};
  auto value = static_cast<uint64_t>(step);
  for (std::size_t i = counter.size(); i-- > 0;) {
    counter[i] = static_cast<char>(value & 0xFFU);
    value >>= 8U;
  }
  const auto mac = crypto::hmac_sha1(key, {counter.data(), counter.size()});
  // RFC 4226 §5.3 dynamic truncation.
  const auto offset = static_cast<std::size_t>(static_cast<unsigned char>(mac[19]) & 0x0FU);
  const uint32_t binary =
      ((static_cast<uint32_t>(static_cast<unsigned char>(mac[offset])) & 0x7FU) << 24U) |
      (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16U) |
      (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8U) |
      static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
  auto digits = std::to_string(binary % 1000000U);
  return std::string(6 - digits.size(), '0') + digits;
}

std::optional<int64_t> match(std::string_view key, std::string_view code, int64_t unix_time,
                             int64_t last_used_step) {
  if (code.size() != 6)
    return std::nullopt;
  for (char c : code)
    if (std::isdigit(static_cast<unsigned char>(c)) == 0)
      return std::nullopt;
  const auto now = step_of(unix_time);
  std::optional<int64_t> found;
  // Every candidate is computed and compared, so the time taken says nothing about which matched.
  for (int64_t step = now - 1; step <= now + 1; ++step) {
    const bool same = crypto::constant_time_equal(code_for_step(key, step), code);
    if (same && step > last_used_step && !found)
      found = step;
  }
  return found;
}

namespace {

std::string percent_encode(std::string_view text) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '@' ||
        c == '+') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4U];
      out += hex[u & 15U];
    }
  }
  return out;
}

} // namespace

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view base32_secret) {
  return "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) +
         "?secret=" + std::string{base32_secret} + "&issuer=" + percent_encode(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

std::string new_recovery_code() {
  std::string raw = crypto::base32_encode(crypto::random_bytes(10)); // 16 chars, 80 bits
  raw.resize(15);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (i > 0 && i % 5 == 0)
      out += '-';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(raw[i])));
  }
  return out;
}

std::optional<std::string> normalise_recovery_code(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '-' || c == ' ')
      continue;
    const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!((lower >= 'a' && lower <= 'z') || (lower >= '2' && lower <= '7')))
      return std::nullopt;
    out += lower;
  }
  if (out.size() != 15)
    return std::nullopt;
  return out;
}

} // namespace gh::totp
