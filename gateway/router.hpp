#pragma once

#include "messages/http.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh {

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

  /// Finds the route of `method` and `path` (path without query, not percent-decoded). HEAD
  /// finds the GET route of the path; `allow` lists HEAD beside GET.
  route_match match(std::string_view method, std::string_view path) const;

  const std::vector<route>& routes() const noexcept { return routes_; }

private:
  std::vector<route> routes_;
};

} // namespace gh
