#pragma once

#include "actors/cookies.hpp"

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>

namespace gh {

/// What Gatehouse itself saw of a proxied request, to tell the upstream (API.md "Proxy to
/// internal services").
struct forward_facts {
  std::string_view request_id;
  std::string_view remote_ip;            ///< the peer address of the client connection
  std::string_view proto;                ///< `http` or `https`, from `GATEHOUSE_PUBLIC_URL`
  std::string_view upstream_host;        ///< the upstream URL's `host[:port]`, the forwarded `Host`
  const cookie_names* cookies = nullptr; ///< Gatehouse's session cookies, never forwarded
};

/// Who the upstream is told is calling; empty `user_id` for an anonymous caller.
struct forward_identity {
  std::string_view user_id;
  std::string_view tenant_id;
  std::string_view identity_token; ///< `X-Gatehouse-Identity`, a JWT for this upstream
};

/// True when `name` is a hop-by-hop field of RFC 9110 §7.6.1 (or an obsolete one still seen:
/// `Proxy-Connection`, `Keep-Alive`), compared case-insensitively.
bool is_hop_by_hop(std::string_view name) noexcept;

/// Builds the header section of the request sent upstream from the client's `in`, into `out`
/// (which must start empty): hop-by-hop fields and every field named in `Connection` removed,
/// `Authorization`, `Proxy-Authorization`, `X-CSRF-Token`, `Expect`, `Forwarded`,
/// `X-Forwarded-*` and every `X-Gatehouse-*` removed; Gatehouse's cookies taken out of `Cookie`
/// (the others kept); then `Host`, `X-Gatehouse-User-Id`, `X-Gatehouse-Tenant-Id`,
/// `X-Gatehouse-Identity` (for a user), `X-Request-Id`, `Forwarded` and
/// `X-Forwarded-For|Proto|Host` set from what Gatehouse saw. `Content-Length` and
/// `Transfer-Encoding` are the caller's to set: the body framing is decided apart.
void build_upstream_fields(const boost::beast::http::fields& in, const forward_facts& facts,
                           const forward_identity& who, boost::beast::http::fields& out);

/// Removes from an upstream's response what must not travel back: hop-by-hop fields and those
/// named in its `Connection`, and its `Content-Length`/`Transfer-Encoding` (the relay frames the
/// body to the client itself).
void filter_response_fields(boost::beast::http::fields& fields);

/// The `Cookie` value `header` without the cookies named in `names` (empty when none is left).
std::string strip_session_cookies(std::string_view header, const cookie_names& names);

} // namespace gh
