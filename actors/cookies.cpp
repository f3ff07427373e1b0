#include "actors/cookies.hpp"

#include "crypto/crypto.hpp"

namespace gh {

std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::size_t cookie_count(std::string_view header, std::string_view name) noexcept {
  std::size_t n = 0;
  while (!header.empty()) {
    const auto semi = header.find(';');
    const auto pair = trim_blanks(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim_blanks(pair.substr(0, eq)) == name)
      ++n;
  }
  return n;
}

std::string csrf_key_of(std::string_view secrets_key) {
  return crypto::hkdf_sha256(secrets_key, "gatehouse csrf v1", 32);
}

std::string csrf_token(std::string_view key, std::string_view session_id) {
  return crypto::base64url_encode(crypto::hmac_sha256(key, session_id));
}

std::string_view cookie_value(std::string_view header, std::string_view name) noexcept {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = trim_blanks(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      continue;
    if (trim_blanks(pair.substr(0, eq)) == name) {
      auto value = trim_blanks(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return {};
}

} // namespace gh
