#pragma once

#include "actors/app.hpp"

#include <string>
#include <utility>
#include <vector>

namespace gh::ops {

/// What the OpenAPI document is made of: every route of the router, the descriptions and
/// schemas the capabilities registered, and where the API is served.
struct openapi_input {
  std::vector<route> routes;
  std::vector<route_doc> docs;
  std::vector<std::pair<std::string, std::string>> schemas;
  std::string version;
  std::string public_url;
};

/// The OpenAPI 3.1 document of the contract (API.md): one operation per route (HEAD is implied
/// by GET), its path parameters, JSON request body, success answer and the RFC 9457
/// `application/problem+json` errors; security schemes `bearer` (access JWT), `cookie`
/// (`gh_access` with `X-CSRF-Token` on unsafe methods) and `apiKey` (`Authorization: ApiKey`).
/// A route nobody described is still listed, marked `x-undocumented: true`. Throws
/// `std::invalid_argument` when a registered schema is not valid JSON.
std::string openapi_document(const openapi_input& in);

} // namespace gh::ops
