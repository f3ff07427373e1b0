#include "providers/storage/token.hpp"

#include "crypto/crypto.hpp"
#include "messages/decode.hpp"
#include "providers/storage/storage.hpp"

#include <array>
#include <stdexcept>

namespace gh::storage {

namespace {

constexpr std::string_view version = "gh1";
constexpr std::size_t field_count = 7;

} // namespace

std::string encode_token(const token_claims& c, std::string_view key) {
  for (const auto* field : {&c.method, &c.key, &c.content_type, &c.filename})
    if (field->find('\n') != std::string::npos)
      throw std::invalid_argument("a storage token field holds a newline");
  const auto payload = std::string{version} + "\n" + c.method + "\n" + c.key + "\n" +
                       std::to_string(c.size) + "\n" + c.content_type + "\n" + c.filename + "\n" +
                       std::to_string(c.expires_at);
  return crypto::base64url_encode(payload) + "." +
         crypto::base64url_encode(crypto::hmac_sha256(key, payload));
}

std::variant<token_claims, token_error> decode_token(std::string_view text, std::string_view key,
                                                     int64_t now) noexcept {
  try {
    if (text.empty() || text.size() > max_token_chars)
      return token_error::malformed;
    const auto dot = text.find('.');
    if (dot == std::string_view::npos)
      return token_error::malformed;
    const auto payload = crypto::base64url_decode(text.substr(0, dot));
    const auto mac = crypto::base64url_decode(text.substr(dot + 1));
    if (!payload || !mac || mac->size() != 32)
      return token_error::malformed;
    if (!crypto::constant_time_equal(*mac, crypto::hmac_sha256(key, *payload)))
      return token_error::bad_signature;

    std::array<std::string_view, field_count> f{};
    std::string_view rest = *payload;
    for (std::size_t i = 0; i < field_count; ++i) {
      const auto nl = rest.find('\n');
      if ((i + 1 < field_count) == (nl == std::string_view::npos))
        return token_error::malformed;
      f[i] = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    const auto size = decode::parse_int(f[3], 18, false);
    const auto expires = decode::parse_int(f[6], 18, false);
    if (f[0] != version || (f[1] != "PUT" && f[1] != "GET") || !is_object_key(f[2]) || !size ||
        !expires || f[4].empty())
      return token_error::malformed;
    if (now > *expires)
      return token_error::expired;
    return token_claims{std::string{f[1]}, std::string{f[2]}, *size,
                        std::string{f[4]}, std::string{f[5]}, *expires};
  } catch (...) {
    // Only allocation can throw here; a token that cannot be decoded is refused.
    return token_error::malformed;
  }
}

} // namespace gh::storage
