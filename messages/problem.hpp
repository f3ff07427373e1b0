#pragma once

#include "messages/gh_errc.hpp"
#include "messages/http.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gh {

/// The RFC 9457 problem document of API.md ("Conventions") for `status`/`slug`.
struct problem {
  int status = 500;
  std::string_view slug = "internal";
  std::string_view title = "Internal error";
  std::string detail;
  std::string request_id;
  std::vector<field_error> errors;
};

/// The problem for `code`, with its standard status, slug and title.
problem make_problem(gh_errc code, std::string detail, std::string request_id = {},
                     std::vector<field_error> errors = {});

/// The problem as compact JSON.
std::string to_json(const problem& p);

} // namespace gh
