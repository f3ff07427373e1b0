#include "actors/webhooks/signature.hpp"

#include "crypto/crypto.hpp"

namespace gh::webhooks {

namespace {

constexpr std::string_view prefix = "whsec_";

} // namespace

std::string new_secret() {
  return std::string{prefix} + crypto::base64_encode(crypto::random_bytes(24));
}

std::optional<std::string> secret_key(std::string_view secret) {
  if (!secret.starts_with(prefix))
    return std::nullopt;
  auto key = crypto::base64_decode(secret.substr(prefix.size()));
  if (!key || key->size() < 16 || key->size() > 64)
    return std::nullopt;
  return key;
}

std::string sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + crypto::base64_encode(crypto::hmac_sha256(key, content));
}

std::string signature_header(const std::vector<std::string>& keys, std::string_view id,
                             int64_t timestamp, std::string_view body) {
  std::string out;
  for (const auto& key : keys) {
    if (!out.empty())
      out += ' ';
    out += sign(key, id, timestamp, body);
  }
  return out;
}

} // namespace gh::webhooks
