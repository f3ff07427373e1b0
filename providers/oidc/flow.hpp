#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace gh::oidc {

/// A fresh PKCE `code_verifier` (RFC 7636 4.1): 32 random bytes as 43 base64url characters.
std::string make_code_verifier();

/// The `S256` code challenge of `verifier`: base64url(SHA-256(verifier)) (RFC 7636 4.2).
std::string s256_challenge(std::string_view verifier);

/// `application/x-www-form-urlencoded` encoding of one name or value (RFC 6749 Appendix B):
/// ALPHA, DIGIT and `-._~` kept, space as `+`, every other byte `%XX`.
std::string form_encode(std::string_view text);

/// What the authorization request carries besides its fixed members.
struct authorization_request {
  std::string authorization_endpoint; ///< From discovery; its own query is kept.
  std::string client_id;
  std::string redirect_uri;
  std::string scope = "openid email profile";
  std::string state;
  std::string nonce;
  std::string code_challenge; ///< `s256_challenge` of the verifier kept server-side.
};

/// The URL to send the browser to: the endpoint with `response_type=code`, `client_id`,
/// `redirect_uri`, `scope`, `state`, `nonce`, `code_challenge` and `code_challenge_method=S256`
/// added to its query (any fragment dropped); empty when the endpoint is not a URI with a scheme.
std::string authorization_url(const authorization_request& request);

/// The token request body of the code exchange (RFC 6749 4.1.3, RFC 7636 4.5):
/// `grant_type=authorization_code&code=…&redirect_uri=…&code_verifier=…`.
std::string token_request_body(std::string_view code, std::string_view redirect_uri,
                               std::string_view code_verifier);

/// The `Authorization` header value for `client_secret_basic` (RFC 6749 2.3.1): `Basic ` and
/// base64 of the form-encoded client id, `:`, and the form-encoded secret.
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

/// A successful token endpoint answer (RFC 6749 5.1, OIDC Core 3.1.3.3).
struct token_response {
  std::string id_token;
  std::string access_token;
  std::string token_type;
  std::string refresh_token;
  int64_t expires_in = 0; ///< 0 when absent.
};

/// A refused exchange: the OAuth `error` code (`invalid_grant`, …) when the provider gave one,
/// else a short reason of ours (`invalid_response`, `unavailable`), and the provider's
/// `error_description`, which is the provider's text: log it, never show it to a browser.
struct token_error {
  std::string error;
  std::string description;
  int status = 0;
};

/// Decodes the token endpoint's answer with HTTP `status`. A 200 needs a JSON object with a
/// string `access_token` and a `token_type` of `Bearer` (any case); `id_token` is required
/// here too because the code flow is an OpenID one. Anything else is a `token_error`.
std::variant<token_response, token_error> decode_token_response(int status, std::string_view body);

} // namespace gh::oidc
