#include "gateway/auth.hpp"

#include "crypto/crypto.hpp"

#include <algorithm>
#include <cctype>

namespace gh {

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && iequals_prefix(a, b);
}

bool is_safe_method(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

} // namespace

std::string origin_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return std::string{url};
  const auto path = url.find('/', scheme_end + 3);
  return std::string{url.substr(0, path)};
}

authenticator::authenticator(const jwt::key_ring& keys, const revocation_list& revoked,
                             cookie_names names, std::string public_origin, std::string csrf_key,
                             std::vector<std::string> trusted_origins,
                             const external_tokens* external)
    : keys_(keys), revoked_(revoked), names_(std::move(names)), origin_(std::move(public_origin)),
      csrf_key_(std::move(csrf_key)), trusted_origins_(std::move(trusted_origins)),
      external_(external) {}

bool authenticator::origin_allowed(std::string_view origin) const {
  return origin == origin_ || std::find(trusted_origins_.begin(), trusted_origins_.end(), origin) !=
                                  trusted_origins_.end();
}

bool authenticator::verify(std::string_view token, int64_t now, principal& who,
                           std::string& detail) const {
  std::optional<jwt::claims> claims = cache_.find(token, now);
  if (!claims) {
    auto verified = keys_.verify(token, now);
    if (auto* err = std::get_if<jwt::verify_error>(&verified)) {
      detail = err->reason;
      return false;
    }
    claims = std::get<jwt::claims>(std::move(verified));
    cache_.put(token, *claims);
  }
  if (revoked_.is_revoked(claims->jti, now) || revoked_.is_revoked(claims->sid, now)) {
    detail = "the token has been revoked";
    return false;
  }
  who.type = principal::kind::user;
  who.user_id = claims->sub;
  who.tenant_id = claims->tid;
  who.session_id = claims->sid;
  who.token_id = claims->jti;
  who.expires_at = claims->exp;
  return true;
}

authenticator::outcome authenticator::authenticate_upgrade(std::string_view protocols,
                                                           std::string_view cookie,
                                                           std::string_view origin, int64_t now,
                                                           bool& bearer_protocol) const {
  outcome out;
  bearer_protocol = false;
  const auto comma = protocols.find(',');
  if (comma != std::string_view::npos &&
      iequals(trim_blanks(protocols.substr(0, comma)), "bearer")) {
    bearer_protocol = true;
    auto rest = protocols.substr(comma + 1);
    const auto token = trim_blanks(rest.substr(0, rest.find(',')));
    if (!verify(token, now, out.who, out.detail)) {
      out.who = {};
      out.error = gh_errc::unauthorized;
    }
    return out;
  }
  const auto access = cookie_value(cookie, names_.access);
  if (access.empty()) {
    out.error = gh_errc::unauthorized;
    out.detail = "sign in first: send the session cookie or the subprotocols "
                 "\"bearer, <access token>\"";
    return out;
  }
  if (!origin_allowed(origin)) {
    out.error = gh_errc::forbidden;
    out.detail = "WebSockets with session cookies are accepted only from " + origin_;
    return out;
  }
  // The handshake is a GET: the cookie path of `authenticate` with no CSRF token to check.
  return authenticate({"GET", {}, cookie, {}, origin}, now);
}

authenticator::outcome authenticator::authenticate_token(std::string_view token,
                                                         int64_t now) const {
  outcome out;
  if (!verify(token, now, out.who, out.detail)) {
    out.who = {};
    out.error = gh_errc::unauthorized;
  }
  return out;
}

authenticator::outcome authenticator::authenticate(const input& in, int64_t now) const {
  outcome out;
  if (!in.authorization.empty()) {
    if (iequals_prefix(in.authorization, "Bearer ")) {
      const auto token = trim_blanks(in.authorization.substr(7));
      if (!verify(token, now, out.who, out.detail)) {
        out.who = {};
        out.error = gh_errc::unauthorized;
        // A provider's token: who it is was settled a moment ago, or the resolver finds out.
        if (external_ != nullptr && external_->enabled()) {
          if (auto who = external_->find(token, now)) {
            out.error = gh_errc::ok;
            out.detail.clear();
            out.who = std::move(*who);
          } else if (external_->is_external(token)) {
            out.error = gh_errc::ok;
            out.detail.clear();
            out.external = true;
          }
        }
      }
    } else if (iequals_prefix(in.authorization, "ApiKey ")) {
      out.who.type = principal::kind::api_key;
      out.who.api_key = std::string{trim_blanks(in.authorization.substr(7))};
    } else {
      out.error = gh_errc::unauthorized;
      out.detail = "unsupported authorization scheme; use Bearer or ApiKey";
    }
    return out;
  }

  // One pass over the header for all three cookies.
  const auto cookies = read_session_cookies(in.cookie, names_);
  const auto access = cookies.access;
  if (access.empty() && cookies.refresh.empty())
    return out;
  // Two values for one of our cookies means one was planted (a sibling domain, say): which one
  // the browser sent first says nothing.
  if (cookies.repeated) {
    out.error = gh_errc::validation;
    out.detail = "the session cookies are sent more than once; clear the site's cookies";
    return out;
  }
  if (!access.empty()) {
    if (!verify(access, now, out.who, out.detail)) {
      out.who = {};
      out.error = gh_errc::unauthorized;
    } else {
      out.who.via_cookie = true;
    }
  }
  // A browser session: unsafe requests must prove they come from our own pages.
  if (!is_safe_method(in.method)) {
    if (!in.origin.empty() && !origin_allowed(in.origin)) {
      out.who = {};
      out.error = gh_errc::forbidden;
      out.detail = "cross-origin requests are not accepted with session cookies";
      return out;
    }
    const auto csrf_cookie = cookies.csrf;
    bool csrf_ok = !csrf_cookie.empty() && !in.csrf_header.empty() &&
                   crypto::constant_time_equal(csrf_cookie, in.csrf_header);
    // With a valid access token, the token must also be the one of its session.
    if (csrf_ok && out.error == gh_errc::ok && out.who.is_user() && !csrf_key_.empty())
      csrf_ok =
          crypto::constant_time_equal(csrf_token(csrf_key_, out.who.session_id), in.csrf_header);
    if (!csrf_ok) {
      out.who = {};
      out.error = gh_errc::forbidden;
      out.detail = "X-CSRF-Token is missing or is not this session's";
      return out;
    }
  }
  return out;
}

} // namespace gh
