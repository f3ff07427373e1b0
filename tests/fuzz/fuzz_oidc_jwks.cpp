// A provider's JWK Set is fetched from the network: for any bytes the decoder must refuse or
// yield keys OpenSSL accepted, and a token signed by none of them must never verify.
#include "crypto/crypto.hpp"
#include "providers/oidc/jwks.hpp"
#include "providers/oidc/token_verifier.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

/// An EdDSA token with kid `k1` whose signature is random bytes: no key can verify it.
const std::string& unsigned_token() {
  static const std::string token =
      gh::crypto::base64url_encode(R"({"alg":"EdDSA","kid":"k1"})") + "." +
      gh::crypto::base64url_encode(R"({"iss":"https://id.example.com","sub":"u"})") + "." +
      gh::crypto::base64url_encode(gh::crypto::random_bytes(64));
  return token;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body{reinterpret_cast<const char*>(data), size};
  const auto result = gh::oidc::decode_jwks(body);
  const auto* set = std::get_if<gh::oidc::jwk_set>(&result);
  if (set == nullptr)
    return 0;
  if (set->keys.size() > gh::oidc::max_jwks_keys)
    std::abort();
  for (const auto& key : set->keys)
    if (!key.pkey)
      std::abort();
  if (std::holds_alternative<gh::oidc::verified_jws>(gh::oidc::verify_jws(unsigned_token(), *set)))
    std::abort();
  return 0;
}
