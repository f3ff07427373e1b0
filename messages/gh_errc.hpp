#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string_view>

namespace gh {

/// Error codes that cross actor boundaries; the router maps each to an HTTP status.
enum class gh_errc : uint8_t {
  ok = 0,
  validation,             ///< The request was malformed or failed validation (400).
  unauthorized,           ///< No valid credentials (401).
  mfa_required,           ///< The password was right; a TOTP or recovery code is needed (401).
  forbidden,              ///< Credentials valid but not allowed (403).
  not_found,              ///< Nothing there, or not visible to the caller (404).
  conflict,               ///< The state does not allow the change (409).
  rate_limited,           ///< Too many requests (429).
  provider_unavailable,   ///< A dependency is down or timed out (503).
  not_configured,         ///< The feature has no configuration (503).
  invalid_signature,      ///< A signed request (a provider's webhook) failed its check (400).
  precondition_failed,    ///< An `If-Match` names a version that is no longer current (412).
  payload_too_large,      ///< A document, or a declared or sent size, is over its limit (413).
  unsupported_media_type, ///< The media type is not accepted (415).
  quota_exceeded,         ///< The change would take the caller past a quota (409).
  upstream_unavailable,   ///< A proxied internal service cannot be reached (502).
  upstream_timeout,       ///< A proxied internal service did not answer in time (504).
  internal,               ///< A bug or an unexpected failure (500, no details leak).
};

/// The category atom of every `gh_errc` carried in a `caf::error`.
constexpr caf::atom_value gh_error_category = caf::atom("gatehouse");

/// Wraps `code` in a `caf::error` of the Gatehouse category.
caf::error make_error(gh_errc code);

/// The problem-type slug of `code` as API.md names it, e.g. `not-found`.
std::string_view problem_slug(gh_errc code) noexcept;

/// The HTTP status `code` maps to.
int http_status(gh_errc code) noexcept;

} // namespace gh
