#pragma once

#include "actors/external_tokens.hpp"

#include "actors/cookies.hpp"
#include "actors/revocations.hpp"
#include "crypto/jwt.hpp"
#include "messages/gh_errc.hpp"
#include "messages/http.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gh {

/// The gateway's authentication middleware: decides who is calling from the `Authorization`
/// header or the session cookies, on the io thread, without I/O. Signatures are checked once per
/// token (verified tokens are cached until they expire); revoked tokens and sessions are refused.
/// Cookie-authenticated unsafe requests must carry `X-CSRF-Token` equal to the CSRF cookie and
/// no foreign `Origin`.
class authenticator {
public:
  /// `csrf_key` derives each session's CSRF token (`csrf_token`); `trusted_origins` are the
  /// front-end origins (`GATEHOUSE_CORS_ORIGINS`) that pass the cookie Origin check beside our
  /// own.
  /// `external`, when given, names the identity providers whose bearer tokens count too.
  authenticator(const jwt::key_ring& keys, const revocation_list& revoked, cookie_names names,
                std::string public_origin, std::string csrf_key = {},
                std::vector<std::string> trusted_origins = {},
                const external_tokens* external = nullptr);

  /// What the middleware sees of a request.
  struct input {
    std::string_view method;
    std::string_view authorization;
    std::string_view cookie;
    std::string_view csrf_header;
    std::string_view origin;
  };

  /// The caller, or why the request must be refused: `unauthorized` (bad credentials; only
  /// fatal where the route requires a user) or `forbidden` (CSRF or Origin; always fatal).
  struct outcome {
    principal who;
    gh_errc error = gh_errc::ok;
    std::string detail;
    /// A provider's bearer token not resolved lately: the request goes through
    /// `external_tokens::resolver()` on its way to the handler (never answered on the io thread).
    bool external = false;
  };

  outcome authenticate(const input& in, int64_t now) const;

  /// The caller of a WebSocket upgrade (API.md "Real-time console"): an access token in the
  /// subprotocol list `Sec-WebSocket-Protocol: bearer, <JWT>` (then `bearer_protocol` is set and
  /// the handshake must echo `bearer`), or the session cookie, accepted only with our own
  /// `Origin` so a foreign page cannot open a socket with the user's cookies. Anything else is
  /// `unauthorized` or `forbidden`.
  outcome authenticate_upgrade(std::string_view protocols, std::string_view cookie,
                               std::string_view origin, int64_t now, bool& bearer_protocol) const;

  /// The caller of a bare access token (a WebSocket's `auth` frame): `unauthorized` when it
  /// does not verify or is revoked.
  outcome authenticate_token(std::string_view token, int64_t now) const;

  /// True when `id` (a session or an access token's `jti`) is revoked at `now`.
  bool is_revoked(std::string_view id, int64_t now) const { return revoked_.is_revoked(id, now); }

  const cookie_names& names() const noexcept { return names_; }
  /// The providers' tokens this middleware accepts, or null.
  const external_tokens* external() const noexcept { return external_; }
  const std::string& public_origin() const noexcept { return origin_; }

private:
  /// Verifies an access token (through the cache) into `who`; false with `detail` otherwise.
  bool verify(std::string_view token, int64_t now, principal& who, std::string& detail) const;

  const jwt::key_ring& keys_;
  const revocation_list& revoked_;
  /// True when `origin` is ours or a trusted front end's.
  bool origin_allowed(std::string_view origin) const;

  cookie_names names_;
  std::string origin_;
  std::string csrf_key_;
  std::vector<std::string> trusted_origins_;
  mutable jwt::verified_cache cache_;
  const external_tokens* external_;
};

/// The origin (`scheme://host[:port]`) of a URL such as `GATEHOUSE_PUBLIC_URL`.
std::string origin_of(std::string_view url);

} // namespace gh
