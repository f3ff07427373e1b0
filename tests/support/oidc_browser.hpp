#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::test {

/// What one request of the browser got back; header names in lower case (`set-cookie` keeps
/// only the last one, the jar saw them all).
struct browser_reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string location; ///< `Location` resolved against the request URL ("" when none)
};

/// A browser for the authorization code flow over plain HTTP: a cookie jar (per host:port,
/// paths honoured, expired cookies dropped), redirects followed, and the HTML forms of the
/// provider's login and consent pages filled in and submitted.
///
/// `authorize` starts at any URL (a provider's authorization URL, or Gatehouse's
/// `/api/v1/auth/oidc/{provider}/login`, whose cookies the jar then keeps for the callback) and
/// stops at the first redirect to a URL starting with `stop_prefix`, which it returns without
/// following it; `request` then sends that URL with the jar's cookies.
class oidc_browser {
public:
  /// Walks redirects and forms from `url` until a redirect starts with `stop_prefix` (at most
  /// `max_steps` requests). A login form gets `login` and `password`; every other field keeps
  /// its value. Empty when the flow ends elsewhere (see `trace`).
  std::optional<std::string> authorize(const std::string& url, std::string_view stop_prefix,
                                       const std::string& login = "alice",
                                       const std::string& password = "secret", int max_steps = 20);

  /// One request to the absolute http `url` with the jar's cookies; `Set-Cookie` updates the
  /// jar. Redirects are not followed.
  browser_reply request(const std::string& method, const std::string& url,
                        const std::string& body = {},
                        const std::map<std::string, std::string>& headers = {});

  /// The `Cookie` header the jar sends to `url` ("" when none).
  std::string cookie_header(const std::string& url) const;

  /// The value of cookie `name` the jar holds for `url`'s host and path.
  std::optional<std::string> cookie(const std::string& url, std::string_view name) const;

  /// One line per request of the last `authorize` (method, URL, status, where it led).
  const std::vector<std::string>& trace() const noexcept { return trace_; }

private:
  struct stored_cookie {
    std::string origin; ///< "host:port"
    std::string name;
    std::string path;
    std::string value;
  };

  void store(const std::string& url, std::string_view set_cookie);

  std::vector<stored_cookie> jar_;
  std::vector<std::string> trace_;
};

/// The first HTML form of `html`: its action (as written), method (lower case) and fields
/// (`<input>`s with a name, values decoded from HTML entities), in document order.
struct html_form {
  std::string action;
  std::string method;
  std::vector<std::pair<std::string, std::string>> fields;
};

/// Parses the first `<form>` of `html`; empty when there is none.
std::optional<html_form> first_form(std::string_view html);

/// `application/x-www-form-urlencoded` encoding of `pairs`.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& pairs);

/// The value of query parameter `name` of `url` (percent-decoded), if present.
std::optional<std::string> query_param(std::string_view url, std::string_view name);

} // namespace gh::test
