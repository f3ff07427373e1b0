#include "actors/orgs/flows.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace gh::orgs {

namespace json = boost::json;

namespace {

/// Members as the API shows them (`gh_org_members`, which answers members only).
db::rows member_rows(db::transaction& tx, const std::string& org, const std::string& user = {}) {
  const std::string columns = "SELECT user_id::text, email, name, role, " + utc("joined_at") +
                              " FROM gh_org_members($1::uuid)";
  if (user.empty())
    return tx.exec(columns, {org});
  return tx.exec(columns + " WHERE user_id = $2::uuid", {org, user});
}

json::object member_json(const db::row& row) {
  json::object o{{"user_id", db::text(row, 0)}};
  if (row.at(1))
    o["email"] = *row.at(1);
  if (row.at(2))
    o["name"] = *row.at(2);
  o["role"] = db::text(row, 3);
  o["joined_at"] = db::text(row, 4);
  return o;
}

/// What a membership change needs: the caller's role, the target's and the owner count, read
/// under the organization's lock.
struct change_context {
  std::optional<tenancy::org_role> actor;
  std::optional<tenancy::org_role> target;
  std::size_t owners = 0;
};

change_context context_of(db::transaction& tx, const std::string& org, const std::string& user) {
  tenancy::lock_org(tx, org);
  change_context c;
  c.actor = caller_role(tx, org);
  if (!c.actor)
    return c;
  const auto rows = tx.exec(
      "SELECT (SELECT role FROM org_members WHERE org_id = $1::uuid AND user_id = $2::uuid), "
      "(SELECT count(*) FROM org_members WHERE org_id = $1::uuid AND role = 'owner')::text",
      {org, user});
  c.target = tenancy::parse_role(db::text(rows.front(), 0));
  c.owners = std::stoul(db::text(rows.front(), 1, "0"));
  return c;
}

answer no_such_member() {
  return answer::fail(gh_errc::not_found, "no such member");
}

} // namespace

answer list_members(db::transaction& tx, const std::string& org) {
  if (!caller_role(tx, org))
    return no_such_organization();
  json::array list;
  for (const auto& row : member_rows(tx, org))
    list.push_back(member_json(row));
  return answer::json(200, json::serialize(list));
}

answer change_member(db::transaction& tx, const http_request& r, const std::string& org,
                     const std::string& user, tenancy::org_role wanted) {
  const auto c = context_of(tx, org, user);
  if (!c.actor)
    return no_such_organization();
  if (!c.target)
    return no_such_member();
  if (auto v = org_rules::change_role(*c.actor, *c.target, wanted, c.owners); !v.allowed())
    return refused(v);
  if (*c.target != wanted) {
    tx.exec("UPDATE org_members SET role = $3 WHERE org_id = $1::uuid AND user_id = $2::uuid",
            {org, user, std::string{tenancy::role_name(wanted)}});
    announce(tx, r, "org.member_updated", user,
             {{"org_id", org}, {"user_id", user}, {"role", tenancy::role_name(wanted)}});
  }
  return answer::json(200, json::serialize(member_json(member_rows(tx, org, user).front())));
}

answer remove_member(db::transaction& tx, const http_request& r, const std::string& org,
                     const std::string& user) {
  const auto c = context_of(tx, org, user);
  if (!c.actor)
    return no_such_organization();
  if (!c.target)
    return no_such_member();
  const bool self = user == r.auth.user_id;
  if (auto v = org_rules::remove_member(*c.actor, self, *c.target, c.owners); !v.allowed())
    return refused(v);
  tx.exec("DELETE FROM org_members WHERE org_id = $1::uuid AND user_id = $2::uuid", {org, user});
  announce(tx, r, "org.member_removed", user,
           {{"org_id", org}, {"user_id", user}, {"role", tenancy::role_name(*c.target)}});
  return answer::none();
}

} // namespace gh::orgs
