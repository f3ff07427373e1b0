#pragma once

#include "messages/decode.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// The plain logic of a provider sign-in (API.md "Federation"): what the login and callback
/// routes accept, and the record that binds a callback to the login that started it.
namespace gh::federation {

/// How long a started sign-in may take, and how long its browser cookie lives.
inline constexpr int64_t login_ttl_seconds = 600;

/// `GET /api/v1/auth/oidc/{provider}/login?redirect=&link=`.
struct login_query {
  std::string redirect = "/"; ///< Where the browser lands afterwards.
  bool link = false;          ///< Link the provider to the signed-in user instead of signing in.
};

/// Decodes the login query. `redirect` must be a path of our own origin (`/…`, never `//…`) or
/// an absolute http(s) URL whose origin is one of `allowed_origins` (ours and
/// `GATEHOUSE_ALLOWED_REDIRECTS`); anything else is a validation error naming `redirect`.
std::variant<login_query, decode::field_errors>
decode_login_query(std::string_view query, const std::vector<std::string>& allowed_origins);

/// `GET /api/v1/auth/oidc/{provider}/callback?code=&state=` (or `error=` from the provider).
struct callback_query {
  std::string code;
  std::string state;
  std::string error;              ///< The provider's `error`, when it refused.
  std::optional<std::string> iss; ///< RFC 9207's `iss`, when the provider sends it.
};

std::variant<callback_query, decode::field_errors> decode_callback_query(std::string_view query);

/// What Gatehouse keeps server-side (Redis, single use, `login_ttl_seconds`) between the login
/// and its callback. Looked up by the hash of `state`; `binding_hash` is the hash of the value
/// of the HttpOnly cookie set on the browser that started it.
struct login_record {
  std::string provider;
  std::string nonce;
  std::string code_verifier;
  std::string redirect;
  std::string binding_hash;
  std::string link_user;   ///< The signed-in user who links, or empty for a sign-in.
  std::string link_tenant; ///< That user's tenant.
};

std::string encode_record(const login_record& r);
std::optional<login_record> decode_record(std::string_view text);

/// The Redis key of the record of `state`: only a hash of the state is stored.
std::string record_key(std::string_view state);

/// The name of the browser-binding cookie.
inline constexpr std::string_view binding_cookie = "gh_oidc";

} // namespace gh::federation
