#pragma once

#include "messages/http.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh {

/// How a route treats the request body.
enum class body_kind {
  none, ///< The body is ignored.
  json, ///< `Content-Type: application/json` required (415) and well-formed JSON (400).
};

/// What a route needs to know about the caller.
enum class auth_policy {
  none,     ///< Credentials are not looked at (a bad token is ignored).
  optional, ///< A valid token identifies the caller; none or a bad one means anonymous.
  user,     ///< A valid access token is required (401 otherwise).
};

/// One entry of the route table.
struct route {
  std::string method;
  std::string pattern; ///< `/api/v1/files/{id}`: `{name}` matches one non-empty segment.
  http_handler_actor handler;
  body_kind body = body_kind::none;
  std::size_t metrics_slot = 0;
  auth_policy auth = auth_policy::none;
};

/// What the router found for a request.
struct route_match {
  enum class kind { found, not_found, method_not_allowed };
  kind result = kind::not_found;
  const route* target = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow; ///< For 405: the methods the path accepts, comma-separated.
};

/// Maps method + path to the handler actor of a route.
class router {
public:
  /// Adds a route; patterns must start with '/'.
  void add(route r);

  /// Finds the route of `method` and `path` (path without query, not percent-decoded).
  route_match match(std::string_view method, std::string_view path) const;

  const std::vector<route>& routes() const noexcept { return routes_; }

private:
  std::vector<route> routes_;
};

} // namespace gh
