#include "actors/audit.hpp"
#include "actors/orgs/flows.hpp"
#include "actors/outbox.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace gh::orgs {

namespace json = boost::json;

namespace {

json::object org_json(const db::row& row) {
  return {{"id", db::text(row, 0)},
          {"name", db::text(row, 1)},
          {"role", db::text(row, 2)},
          {"created_at", db::text(row, 3)}};
}

/// The caller's view of `org`: id, name, role, created_at; nothing for a non-member.
db::rows organization_row(db::transaction& tx, const std::string& org) {
  return tx.exec("SELECT o.id::text, o.name, m.role, " + utc("o.created_at") +
                     " FROM organizations o JOIN org_members m ON m.org_id = o.id "
                     "AND m.user_id = gh_caller() WHERE o.id = $1::uuid",
                 {org});
}

} // namespace

std::string utc(std::string_view column) {
  return "to_char(" + std::string{column} + R"( AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))";
}

std::optional<tenancy::org_role> caller_role(db::transaction& tx, const std::string& org) {
  const auto rows = tx.exec("SELECT gh_org_role($1::uuid)", {org});
  return tenancy::parse_role(rows.empty() ? std::string{} : db::text(rows.front(), 0));
}

answer refused(const verdict& v) {
  return answer::fail(v.code, std::string{v.reason});
}

answer no_such_organization() {
  return answer::fail(gh_errc::not_found, "no such organization");
}

void announce(db::transaction& tx, const http_request& r, std::string_view action,
              const std::string& target, json::object data) {
  audit::write(tx, r, r.auth.tenant_id, r.auth.user_id, action, target, data);
  events::write(tx, action, r.auth.tenant_id, std::move(data));
}

answer create_organization(db::transaction& tx, const http_request& r, const std::string& id,
                           const std::string& name) {
  const auto held = tx.exec("SELECT count(*)::text FROM org_members WHERE user_id = gh_caller()");
  if (std::stoul(db::text(held.front(), 0, "0")) >= org_rules::max_memberships)
    return answer::fail(gh_errc::conflict, "you belong to " +
                                               std::to_string(org_rules::max_memberships) +
                                               " organizations, the most one account may");
  tx.exec("INSERT INTO organizations (id, tenant_id, name, created_by) "
          "VALUES ($1::uuid, gh_caller_tenant(), $2, gh_caller())",
          {id, name});
  tx.exec("INSERT INTO org_members (org_id, user_id, role) VALUES ($1::uuid, gh_caller(), 'owner')",
          {id});
  const auto rows = organization_row(tx, id);
  announce(tx, r, "org.created", id,
           {{"org_id", id}, {"user_id", r.auth.user_id}, {"role", "owner"}});
  return answer::json(201, json::serialize(org_json(rows.front())));
}

answer list_organizations(db::transaction& tx) {
  const auto rows = tx.exec("SELECT o.id::text, o.name, m.role, " + utc("o.created_at") +
                            " FROM org_members m JOIN organizations o ON o.id = m.org_id "
                            "WHERE m.user_id = gh_caller() ORDER BY o.created_at, o.id");
  json::array list;
  for (const auto& row : rows)
    list.push_back(json::object{
        {"id", db::text(row, 0)}, {"name", db::text(row, 1)}, {"role", db::text(row, 2)}});
  return answer::json(200, json::serialize(list));
}

answer show_organization(db::transaction& tx, const std::string& org) {
  const auto rows = organization_row(tx, org);
  if (rows.empty())
    return no_such_organization();
  return answer::json(200, json::serialize(org_json(rows.front())));
}

answer rename_organization(db::transaction& tx, const http_request& r, const std::string& org,
                           const std::string& name) {
  const auto role = caller_role(tx, org);
  if (!role)
    return no_such_organization();
  if (auto v = org_rules::rename(*role); !v.allowed())
    return refused(v);
  tx.exec("UPDATE organizations SET name = $2, updated_at = now() WHERE id = $1::uuid",
          {org, name});
  announce(tx, r, "org.updated", org, {{"org_id", org}, {"user_id", r.auth.user_id}});
  return answer::json(200, json::serialize(org_json(organization_row(tx, org).front())));
}

answer delete_organization(db::transaction& tx, const http_request& r, const std::string& org) {
  const auto role = caller_role(tx, org);
  if (!role)
    return no_such_organization();
  if (auto v = org_rules::remove_organization(*role); !v.allowed())
    return refused(v);
  tx.exec("DELETE FROM organizations WHERE id = $1::uuid", {org});
  announce(tx, r, "org.deleted", org, {{"org_id", org}, {"user_id", r.auth.user_id}});
  return answer::none();
}

} // namespace gh::orgs
