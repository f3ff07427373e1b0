#include "messages/gh_errc.hpp"

namespace gh {

caf::error make_error(gh_errc code) {
  return caf::error{static_cast<uint8_t>(code), gh_error_category};
}

std::string_view problem_slug(gh_errc code) noexcept {
  switch (code) {
  case gh_errc::ok:
    return "ok";
  case gh_errc::validation:
    return "validation";
  case gh_errc::unauthorized:
    return "unauthorized";
  case gh_errc::mfa_required:
    return "mfa-required";
  case gh_errc::forbidden:
    return "forbidden";
  case gh_errc::not_found:
    return "not-found";
  case gh_errc::conflict:
    return "conflict";
  case gh_errc::rate_limited:
    return "rate-limited";
  case gh_errc::provider_unavailable:
    return "provider-unavailable";
  case gh_errc::not_configured:
    return "not-configured";
  case gh_errc::invalid_signature:
    return "invalid-signature";
  case gh_errc::precondition_failed:
    return "precondition-failed";
  case gh_errc::payload_too_large:
    return "payload-too-large";
  case gh_errc::unsupported_media_type:
    return "unsupported-media-type";
  case gh_errc::quota_exceeded:
    return "quota-exceeded";
  case gh_errc::upstream_unavailable:
    return "upstream-unavailable";
  case gh_errc::upstream_timeout:
    return "upstream-timeout";
  case gh_errc::internal:
    return "internal";
  }
  return "internal";
}

int http_status(gh_errc code) noexcept {
  switch (code) {
  case gh_errc::ok:
    return 200;
  case gh_errc::validation:
  case gh_errc::invalid_signature:
    return 400;
  case gh_errc::unauthorized:
  case gh_errc::mfa_required:
    return 401;
  case gh_errc::forbidden:
    return 403;
  case gh_errc::not_found:
    return 404;
  case gh_errc::conflict:
  case gh_errc::quota_exceeded:
    return 409;
  case gh_errc::precondition_failed:
    return 412;
  case gh_errc::payload_too_large:
    return 413;
  case gh_errc::unsupported_media_type:
    return 415;
  case gh_errc::rate_limited:
    return 429;
  case gh_errc::provider_unavailable:
  case gh_errc::not_configured:
    return 503;
  case gh_errc::upstream_unavailable:
    return 502;
  case gh_errc::upstream_timeout:
    return 504;
  case gh_errc::internal:
    return 500;
  }
  return 500;
}

} // namespace gh
