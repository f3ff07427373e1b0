// A provider's discovery document is fetched from the network: for any bytes the decoder must
// refuse or yield metadata whose issuer is the configured one and whose endpoints are allowed.
#include "providers/oidc/discovery.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body{reinterpret_cast<const char*>(data), size};
  constexpr std::string_view issuer = "https://id.example.com";
  const auto result = gh::oidc::decode_discovery(body, issuer);
  if (const auto* meta = std::get_if<gh::oidc::provider_metadata>(&result)) {
    if (meta->issuer != issuer || !gh::oidc::is_allowed_endpoint(meta->authorization_endpoint) ||
        !gh::oidc::is_allowed_endpoint(meta->token_endpoint) ||
        !gh::oidc::is_allowed_endpoint(meta->jwks_uri) ||
        (meta->userinfo_endpoint && !gh::oidc::is_allowed_endpoint(*meta->userinfo_endpoint)))
      std::abort();
  }
  // The same bytes as a URL.
  (void)gh::oidc::is_allowed_endpoint(body);
  (void)gh::oidc::discovery_url(body);
  return 0;
}
