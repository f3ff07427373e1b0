#pragma once

#include "actors/cookies.hpp"
#include "actors/replies.hpp"
#include "persistence/sql.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh::jwt {
class key_ring;
} // namespace gh::jwt

/// What every way of signing in ends with, whichever capability verified the person (a password
/// in identity, a provider's ID token in federation): a session (refresh-token family) in
/// PostgreSQL, an access token, and for browsers the three session cookies.
namespace gh::sign_in {

/// A freshly opened session: the family and its first refresh token (shown once).
struct new_session {
  std::string family_id;
  std::string refresh_token;
};

/// Opens a session for `user_id` inside `tx`, recording the caller's address and user agent.
new_session open_session(db::transaction& tx, const http_request& r, const std::string& user_id,
                         std::chrono::seconds ttl);

/// A signed access token for the user in session `family`, issued at `now` for `ttl` seconds.
std::string access_token(const jwt::key_ring& keys, const std::string& user_id,
                         const std::string& tenant_id, const std::string& family, int64_t now,
                         int64_t ttl);

/// One `Set-Cookie` value: `Path=/`, `SameSite=Lax`, `HttpOnly` and `Secure` as asked.
std::string cookie(const std::string& name, const std::string& value, int64_t max_age,
                   bool http_only, bool secure);

/// How a browser's session cookies are made.
struct cookie_policy {
  cookie_names names;
  bool secure = false;
  std::string csrf_key;
  std::chrono::seconds access_ttl{900};
  std::chrono::seconds refresh_ttl{std::chrono::hours{24 * 30}};
};

/// The three `Set-Cookie` headers of a browser session: the access token and the refresh token
/// (HttpOnly) and the session's CSRF token (readable by the page).
replies::header_list session_cookies(const cookie_policy& policy, const std::string& access,
                                     const new_session& s);

} // namespace gh::sign_in
