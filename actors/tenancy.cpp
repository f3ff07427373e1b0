#include "actors/tenancy.hpp"

#include <array>

namespace gh::tenancy {

namespace {

constexpr std::array<std::string_view, 4> role_names{"viewer", "member", "admin", "owner"};

} // namespace

std::optional<org_role> parse_role(std::string_view text) noexcept {
  for (std::size_t i = 0; i < role_names.size(); ++i)
    if (role_names[i] == text)
      return static_cast<org_role>(i);
  return std::nullopt;
}

std::string_view role_name(org_role role) noexcept {
  const auto i = static_cast<std::size_t>(role);
  return i < role_names.size() ? role_names[i] : std::string_view{"viewer"};
}

caller caller_of(const http_request& r, std::string org_id) {
  return {r.auth.user_id, r.auth.tenant_id, std::move(org_id)};
}

void enter(db::transaction& tx, const caller& who) {
  tx.exec(enter_sql, {who.user_id, who.tenant_id, who.org_id});
}

void lock_org(db::transaction& tx, const std::string& org_id) {
  tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.org:' || $1, 0))", {org_id});
}

answer answer::json(int status, std::string body, replies::header_list headers) {
  answer a;
  a.status = status;
  a.body = std::move(body);
  a.headers = std::move(headers);
  return a;
}

answer answer::none() {
  answer a;
  a.status = 204;
  return a;
}

answer answer::fail(gh_errc code, std::string detail, std::vector<field_error> errors) {
  answer a;
  a.error = code;
  a.detail = std::move(detail);
  a.errors = std::move(errors);
  return a;
}

void send(const replies::req_ptr& r, answer a) {
  if (a.error != gh_errc::ok) {
    r->reply->fail(a.error, std::move(a.detail), std::move(a.errors));
    return;
  }
  if (a.status == 204) {
    replies::empty(r, std::move(a.headers));
    return;
  }
  r->reply->respond({a.status, "application/json", std::move(a.body), std::move(a.headers)});
}

} // namespace gh::tenancy
