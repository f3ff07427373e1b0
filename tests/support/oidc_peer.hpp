#pragma once

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gh::test {

/// One of the peer's three issuers.
enum class oidc_issuer {
  a,      ///< oidc-provider, RS256
  b,      ///< oidc-provider, ES256
  cognito ///< Cognito-shaped: discovery + JWKS, tokens made with `mint`
};

/// What the peer is started with.
struct oidc_peer_options {
  uint16_t port_a = 0; ///< 0: any free port (read it from `info`)
  uint16_t port_b = 0;
  uint16_t port_cognito = 0;
  std::string client_a_id = "gatehouse-a";
  std::string client_a_secret = "secret-a-0123456789";
  std::string client_b_id = "gatehouse-b";
  std::string client_b_secret = "secret-b-0123456789";
  std::string cognito_client_id = "gatehouse-cognito";
  /// Registered with both clients; the first is the one `sign_in` uses. They are native
  /// clients, so a loopback `http://127.0.0.1/…` URI matches on every port (RFC 8252 section
  /// 7.3): Gatehouse's callback is registered before Gatehouse picks its port. The defaults fit
  /// Gatehouse providers named `alpha`, `beta` and `cognito`.
  std::vector<std::string> redirect_uris{"http://127.0.0.1/callback",
                                         "http://127.0.0.1/api/v1/auth/oidc/alpha/callback",
                                         "http://127.0.0.1/api/v1/auth/oidc/beta/callback",
                                         "http://127.0.0.1/api/v1/auth/oidc/cognito/callback"};
};

/// An issuer as the tests (and Gatehouse's settings) need it.
struct oidc_issuer_info {
  std::string issuer;    ///< exact `iss`; cognito's has a path, like Cognito's pool URL
  uint16_t port = 0;     ///< where it listens on 127.0.0.1
  std::string client_id; ///< the registered client (cognito: the `client_id` tokens carry)
  std::string client_secret;
};

/// An authorization request with PKCE S256, state and nonce, as a relying party makes it.
struct oidc_authorization {
  std::string url; ///< the authorization endpoint with every parameter
  std::string redirect_uri;
  std::string state;
  std::string nonce;
  std::string code_verifier;
};

/// The OpenID providers of the federation tests: `node tests/support/oidc/provider.mjs` (npm's
/// oidc-provider twice, plus a Cognito-shaped issuer) as a child process, stopped when this dies.
///
/// Accounts need no setup: any login name is an account whose `sub` is the login, `email`
/// `<login>@example.test` (the login itself when it has an `@`), `email_verified` true unless
/// the login contains "unverified", and `name` the e-mail's local part.
class oidc_peer {
public:
  explicit oidc_peer(oidc_peer_options options = {});
  ~oidc_peer();

  oidc_peer(const oidc_peer&) = delete;
  oidc_peer& operator=(const oidc_peer&) = delete;

  /// False when the process did not start (the test has already been failed then).
  bool ready() const noexcept { return ready_; }

  const oidc_issuer_info& info(oidc_issuer which) const;
  const oidc_issuer_info& a() const { return info(oidc_issuer::a); }
  const oidc_issuer_info& b() const { return info(oidc_issuer::b); }
  const oidc_issuer_info& cognito() const { return info(oidc_issuer::cognito); }

  /// GET on the issuer's port; `path` is absolute ("/peer/stats", "/jwks").
  http_reply get(oidc_issuer which, const std::string& path) const;

  /// The issuer's discovery document (`<issuer>/.well-known/openid-configuration`).
  boost::json::object discovery(oidc_issuer which) const;

  /// An authorization request for issuer a or b with fresh state, nonce and PKCE S256
  /// verifier; `redirect_uri` must match a registered one (any loopback port).
  oidc_authorization authorization(oidc_issuer which, const std::string& redirect_uri,
                                   const std::string& scope = "openid email profile") const;

  /// The token request for `code` (client_secret_basic), as the provider answered it.
  http_reply redeem(oidc_issuer which, const std::string& code, const std::string& code_verifier,
                    const std::string& redirect_uri) const;

  /// Signs `login` in at issuer a or b through the dev forms and redeems the code: the token
  /// response (`id_token`, `access_token` an RFC 9068 JWT whose `aud` is the client id, …).
  /// Empty object (and a test failure) when the flow fails.
  boost::json::object sign_in(oidc_issuer which, const std::string& login) const;

  /// A token signed by the cognito issuer. `claims` get `iss`, `iat` and `exp` (+1 h) unless
  /// they set them; a member set to null is removed (also in `header`, whose defaults are
  /// `kid` = the current key and `alg`). `sign`: "rs256" (the current key), "other-key" (a key
  /// not in the JWKS, under the current kid), "none" (alg none, empty signature),
  /// "hs256-with-public-key" / "hs256-with-public-jwk" (HMAC keyed with the public key's SPKI PEM
  /// / its JWKS entry as JSON).
  std::string mint(const boost::json::object& claims, const std::string& sign = "rs256",
                   const boost::json::object& header = {}) const;

  /// Claims of a Cognito access token for `sub`: `token_use: "access"`, `client_id`, `scope`,
  /// `username`, `auth_time`, `jti`, and no `aud`.
  boost::json::object cognito_access_claims(const std::string& sub) const;

  /// Claims of a Cognito ID token for `sub`: `token_use: "id"`, `aud` = the client id,
  /// `email` (as for the other issuers' accounts), `email_verified`, `cognito:username`.
  boost::json::object cognito_id_claims(const std::string& sub) const;

  /// A fresh signing key (new kid) for the cognito issuer; its JWKS keeps the previous key too
  /// unless `keep_previous` is false. The new kid.
  std::string rotate(bool keep_previous = true) const;

  /// How many requests the issuer's server got for `path` (e.g. "/jwks", or cognito's
  /// "/local_gatehouse/.well-known/jwks.json").
  int requests_to(oidc_issuer which, const std::string& path) const;

  /// What the process wrote to stderr (for failure messages).
  std::string log() const;

private:
  std::unique_ptr<child_process> child_;
  oidc_issuer_info info_[3];
  std::vector<std::string> redirect_uris_;
  bool ready_ = false;
};

/// The JSON payload of a compact JWT (empty object when it is not one).
boost::json::object jwt_payload(std::string_view token);

/// The JSON header of a compact JWT (empty object when it is not one).
boost::json::object jwt_header(std::string_view token);

} // namespace gh::test
