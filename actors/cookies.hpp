#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gh {

/// The names of the session cookies; production uses the `__Host-` prefix (ASVS 3.4.4).
struct cookie_names {
  std::string access = "gh_access";
  std::string refresh = "gh_refresh";
  std::string csrf = "gh_csrf";

  static cookie_names for_production(bool production) {
    if (!production)
      return {};
    return {"__Host-gh_access", "__Host-gh_refresh", "__Host-gh_csrf"};
  }
};

/// `s` without leading and trailing spaces and tabs.
std::string_view trim_blanks(std::string_view s) noexcept;

/// The value of cookie `name` in a `Cookie` header, or empty.
std::string_view cookie_value(std::string_view header, std::string_view name) noexcept;

/// Gatehouse's session cookies as one pass over a `Cookie` header finds them: the first value of
/// each (empty when absent), and whether any of them is there more than once.
struct session_cookies {
  std::string_view access;
  std::string_view refresh;
  std::string_view csrf;
  bool repeated = false;
};

/// Reads the cookies `names` lists from a `Cookie` header, in one pass.
session_cookies read_session_cookies(std::string_view header, const cookie_names& names) noexcept;

/// The key CSRF tokens are derived with, from `GATEHOUSE_SECRETS_KEY`'s material.
std::string csrf_key_of(std::string_view secrets_key);

/// The CSRF token of session `session_id` (the refresh family): base64url of
/// HMAC-SHA-256(`key`, id), so a token only ever works with the session it was issued for.
std::string csrf_token(std::string_view key, std::string_view session_id);

} // namespace gh
