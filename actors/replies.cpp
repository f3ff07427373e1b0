#include "actors/replies.hpp"

#include "messages/problem.hpp"

#include <boost/json/serialize.hpp>
#include <caf/sec.hpp>

namespace gh::replies {

void json(const req_ptr& r, int status, const boost::json::value& body, header_list headers) {
  r->reply->respond({status, "application/json", boost::json::serialize(body), std::move(headers)});
}

void empty(const req_ptr& r, header_list headers) {
  r->reply->respond({204, "application/json", {}, std::move(headers)});
}

void problem(const req_ptr& r, gh_errc code, std::string detail, header_list headers) {
  auto p = make_problem(code, std::move(detail), r->request_id);
  r->reply->respond({p.status, "application/problem+json", to_json(p), std::move(headers)});
}

std::string stored_header(const http_request& r, std::string_view name) {
  const auto* h = r.header(name);
  if (h == nullptr)
    return {};
  std::string out = h->substr(0, 512);
  for (auto& c : out)
    if (c < 0x20 || c > 0x7e)
      c = '?';
  return out;
}

void failure(const req_ptr& r, const caf::error& err) {
  if (err.category() == gh_error_category) {
    const auto code = static_cast<gh_errc>(err.code());
    if (code == gh_errc::provider_unavailable) {
      problem(r, code, "a backing service is unavailable; try again shortly",
              {{"Retry-After", "1"}});
      return;
    }
    r->reply->fail(code, code == gh_errc::internal ? "the request could not be completed" : "");
    return;
  }
  if (err == caf::sec::request_receiver_down) {
    // The actor ended between finding and asking it (a per-user actor that just stopped).
    problem(r, gh_errc::provider_unavailable, "the request could not be routed; try again",
            {{"Retry-After", "1"}});
    return;
  }
  if (err == caf::sec::request_timeout) {
    problem(r, gh_errc::provider_unavailable, "a backing service did not answer in time",
            {{"Retry-After", "1"}});
    return;
  }
  r->reply->fail(gh_errc::internal, "the request could not be completed");
}

void stripe_failure(const req_ptr& r, const stripe::result& failed) {
  if (failed.error == gh_errc::provider_unavailable) {
    problem(r, gh_errc::provider_unavailable, failed.detail, {{"Retry-After", "5"}});
    return;
  }
  if (failed.error == gh_errc::validation && !failed.param.empty()) {
    r->reply->fail(gh_errc::validation, failed.detail, {{failed.param, failed.detail}});
    return;
  }
  r->reply->fail(failed.error, failed.detail);
}

} // namespace gh::replies
