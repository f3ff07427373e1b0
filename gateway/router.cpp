#include "gateway/router.hpp"

#include <stdexcept>

namespace gh {

namespace {

/// Matches `path` against `pattern` segment by segment, collecting `{name}` values.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>* params) {
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto pat_end = pattern.find('/');
    const auto path_end = path.find('/');
    const auto pat_seg = pattern.substr(0, pat_end);
    const auto path_seg = path.substr(0, path_end);
    if (pat_seg.size() >= 2 && pat_seg.front() == '{' && pat_seg.back() == '}') {
      if (path_seg.empty())
        return false;
      if (params != nullptr)
        params->emplace_back(pat_seg.substr(1, pat_seg.size() - 2), path_seg);
    } else if (pat_seg != path_seg) {
      return false;
    }
    pattern = pat_end == std::string_view::npos ? std::string_view{} : pattern.substr(pat_end);
    path = path_end == std::string_view::npos ? std::string_view{} : path.substr(path_end);
  }
  return true;
}

} // namespace

void router::add(route r) {
  if (r.pattern.empty() || r.pattern.front() != '/')
    throw std::invalid_argument("route patterns start with '/': " + r.pattern);
  routes_.push_back(std::move(r));
}

route_match router::match(std::string_view method, std::string_view path) const {
  route_match out;
  // HEAD is answered wherever GET is (RFC 9110 §9.3.2): the GET route, without the body.
  const bool head = method == "HEAD";
  const auto allow = [&out](std::string_view m) {
    const auto listed = "," + out.allow + ",";
    if (listed.find(", " + std::string{m} + ",") == std::string::npos &&
        listed.find("," + std::string{m} + ",") == std::string::npos)
      out.allow += out.allow.empty() ? std::string{m} : ", " + std::string{m};
  };
  for (const auto& r : routes_) {
    if (!match_pattern(r.pattern, path, nullptr))
      continue;
    if (r.method == method || (head && r.method == "GET")) {
      out.result = route_match::kind::found;
      out.target = &r;
      out.allow.clear();
      out.params.clear();
      match_pattern(r.pattern, path, &out.params);
      return out;
    }
    out.result = route_match::kind::method_not_allowed;
    allow(r.method);
    if (r.method == "GET")
      allow("HEAD");
  }
  return out;
}

} // namespace gh
