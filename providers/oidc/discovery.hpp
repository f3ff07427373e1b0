#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// OpenID Connect as a relying party: discovery, keys, tokens and the code flow.
namespace gh::oidc {

/// Largest discovery document or JWK Set accepted from a provider.
inline constexpr std::size_t max_document_bytes = std::size_t{64} * 1024;

/// What a provider says about itself at `/.well-known/openid-configuration` (OIDC Discovery 3).
struct provider_metadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::optional<std::string> userinfo_endpoint;
  std::vector<std::string> id_token_signing_alg_values_supported;
  std::vector<std::string> code_challenge_methods_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;
};

/// Why a document was refused; short, safe to log and show (it never echoes the document).
struct discovery_error {
  std::string reason;
};

/// True when `url` is an absolute `https` URL with a host and no user info or fragment, or an
/// `http` one whose host is this machine's loopback (test peers only).
bool is_allowed_endpoint(std::string_view url);

/// The discovery URL of `issuer`: the issuer without trailing slashes, then
/// `/.well-known/openid-configuration` (OIDC Discovery 4).
std::string discovery_url(std::string_view issuer);

/// Decodes a discovery document. `issuer` must equal `expected_issuer` byte for byte (OIDC
/// Discovery 4.3); `authorization_endpoint`, `token_endpoint` and `jwks_uri` are required and,
/// like `userinfo_endpoint`, must pass `is_allowed_endpoint`. The three lists are optional
/// (empty when absent) but must be arrays of strings when present.
std::variant<provider_metadata, discovery_error> decode_discovery(std::string_view body,
                                                                  std::string_view expected_issuer);

} // namespace gh::oidc
