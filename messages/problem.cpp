#include "messages/problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace gh {

namespace {

std::string_view title_of(gh_errc code) {
  switch (code) {
  case gh_errc::ok:
    return "OK";
  case gh_errc::validation:
    return "Invalid request";
  case gh_errc::unauthorized:
    return "Unauthorized";
  case gh_errc::mfa_required:
    return "Second factor required";
  case gh_errc::forbidden:
    return "Forbidden";
  case gh_errc::not_found:
    return "Not found";
  case gh_errc::conflict:
    return "Conflict";
  case gh_errc::rate_limited:
    return "Too many requests";
  case gh_errc::provider_unavailable:
    return "Provider unavailable";
  case gh_errc::not_configured:
    return "Not configured";
  case gh_errc::invalid_signature:
    return "Invalid signature";
  case gh_errc::precondition_failed:
    return "Precondition failed";
  case gh_errc::payload_too_large:
    return "Payload too large";
  case gh_errc::unsupported_media_type:
    return "Unsupported media type";
  case gh_errc::quota_exceeded:
    return "Quota exceeded";
  case gh_errc::upstream_unavailable:
    return "Upstream unavailable";
  case gh_errc::upstream_timeout:
    return "Upstream timeout";
  case gh_errc::internal:
    return "Internal error";
  }
  return "Internal error";
}

} // namespace

problem make_problem(gh_errc code, std::string detail, std::string request_id,
                     std::vector<field_error> errors) {
  return problem{http_status(code), problem_slug(code),    title_of(code),
                 std::move(detail), std::move(request_id), std::move(errors)};
}

std::string to_json(const problem& p) {
  boost::json::object o;
  o["type"] = "https://gatehouse.dev/problems/" + std::string{p.slug};
  o["title"] = p.title;
  o["status"] = p.status;
  o["detail"] = p.detail;
  if (!p.request_id.empty())
    o["request_id"] = p.request_id;
  if (!p.errors.empty()) {
    boost::json::array errors;
    for (const auto& e : p.errors)
      errors.push_back(boost::json::object{{"field", e.field}, {"message", e.message}});
    o["errors"] = std::move(errors);
  }
  return boost::json::serialize(o);
}

} // namespace gh
