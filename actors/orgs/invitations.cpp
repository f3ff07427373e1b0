#include "actors/orgs/flows.hpp"
#include "actors/outbox.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/serialize.hpp>

namespace gh::orgs {

namespace json = boost::json;

namespace {

answer unknown_token() {
  return answer::fail(gh_errc::validation, "the invitation cannot be accepted",
                      {{"token", "is unknown, used or expired"}});
}

} // namespace

answer invite(db::transaction& tx, const http_request& r, const std::string& org,
              const invitation_request& req, const std::string& id, const std::string& token,
              const std::string& public_url) {
  tenancy::lock_org(tx, org);
  const auto role = caller_role(tx, org);
  if (!role)
    return no_such_organization();
  if (auto v = org_rules::invite(*role, req.role); !v.allowed())
    return refused(v);
  const auto facts =
      tx.exec("SELECT o.name, (SELECT count(*) FROM org_members WHERE org_id = o.id)::text, "
              "(SELECT count(*) FROM org_invitations WHERE org_id = o.id AND accepted_at IS NULL "
              " AND expires_at > now())::text, "
              "(SELECT count(*) FROM org_invitations WHERE org_id = o.id "
              " AND created_at > now() - interval '1 hour')::text, "
              "EXISTS (SELECT 1 FROM gh_org_members(o.id) m WHERE lower(m.email) = $2)::text, "
              "(SELECT COALESCE(m.name, m.email, 'Someone') FROM gh_org_members(o.id) m "
              " WHERE m.user_id = gh_caller()) FROM organizations o WHERE o.id = $1::uuid",
              {org, req.email});
  const auto& f = facts.front();
  if (db::text(f, 4) == "true")
    return answer::fail(gh_errc::conflict, "that address belongs to a member already");
  if (std::stoul(db::text(f, 3, "0")) >= org_rules::max_invitations_per_hour)
    return answer::fail(gh_errc::rate_limited,
                        "the organization sent " +
                            std::to_string(org_rules::max_invitations_per_hour) +
                            " invitations in the last hour; try again later",
                        {});
  if (std::stoul(db::text(f, 1, "0")) + std::stoul(db::text(f, 2, "0")) >= org_rules::max_members)
    return answer::fail(gh_errc::conflict, "the organization has " +
                                               std::to_string(org_rules::max_members) +
                                               " members and pending invitations, the most it may");
  const auto days = std::to_string(org_rules::invitation_days);
  const auto stored = tx.exec(
      "INSERT INTO org_invitations (id, org_id, tenant_id, email, role, token_hash, invited_by, "
      "expires_at) VALUES ($1::uuid, $2::uuid, gh_caller_tenant(), $3, $4, $5, gh_caller(), "
      "now() + $6::int * interval '1 day') RETURNING " +
          utc("expires_at"),
      {id, org, req.email, std::string{tenancy::role_name(req.role)}, crypto::sha256_hex(token),
       days});
  json::object vars{{"invite_url", public_url + "/invitations/accept?token=" + token},
                    {"org_name", db::text(f, 0)},
                    {"role", tenancy::role_name(req.role)},
                    {"inviter", db::text(f, 5, "Someone")},
                    {"expires_in_days", days}};
  json::object mail;
  mail["to"] = req.email;
  mail["template"] = "org_invitation";
  mail["vars"] = std::move(vars);
  mail["idempotency_key"] = "org_invitation:" + id;
  events::write(tx, "email.send", r.auth.tenant_id, std::move(mail));
  announce(tx, r, "org.invitation_created", id,
           {{"org_id", org},
            {"user_id", r.auth.user_id},
            {"role", tenancy::role_name(req.role)},
            {"invitation_id", id}});
  json::object body{{"id", id},
                    {"email", req.email},
                    {"role", tenancy::role_name(req.role)},
                    {"expires_at", db::text(stored.front(), 0)}};
  return answer::json(201, json::serialize(body));
}

answer accept_invitation(db::transaction& tx, const http_request& r, const std::string& token) {
  const auto found = tx.exec("SELECT id::text, org_id::text, email, role, expired::text, "
                             "used::text, gh_caller_email() FROM gh_invitation_for_token($1)",
                             {crypto::sha256_hex(token)});
  if (found.empty())
    return unknown_token();
  const auto& inv = found.front();
  const auto id = db::text(inv, 0);
  const auto org = db::text(inv, 1);
  const auto email = db::text(inv, 2);
  const auto role = tenancy::parse_role(db::text(inv, 3));
  if (!role)
    return unknown_token();
  tenancy::lock_org(tx, org);
  const invitation_state state{email, db::text(inv, 5) == "true", db::text(inv, 4) == "true"};
  if (auto v = org_rules::accept(state, db::text(inv, 6), caller_role(tx, org).has_value());
      !v.allowed()) {
    if (v.code == gh_errc::validation)
      return answer::fail(v.code, std::string{v.reason}, {{"token", std::string{v.reason}}});
    return refused(v);
  }
  const auto held = tx.exec("SELECT count(*)::text FROM org_members WHERE user_id = gh_caller()");
  if (std::stoul(db::text(held.front(), 0, "0")) >= org_rules::max_memberships)
    return answer::fail(gh_errc::conflict, "you belong to " +
                                               std::to_string(org_rules::max_memberships) +
                                               " organizations, the most one account may");
  // Single use: of two acceptances racing, the second finds it taken.
  if (tx.exec("UPDATE org_invitations SET accepted_at = now(), accepted_by = gh_caller() "
              "WHERE id = $1::uuid AND accepted_at IS NULL RETURNING 1",
              {id})
          .empty())
    return unknown_token();
  tx.exec("INSERT INTO org_members (org_id, user_id, role) VALUES ($1::uuid, gh_caller(), $2)",
          {org, std::string{tenancy::role_name(*role)}});
  announce(tx, r, "org.member_added", r.auth.user_id,
           {{"org_id", org}, {"user_id", r.auth.user_id}, {"role", tenancy::role_name(*role)}});
  return answer::json(
      200, json::serialize(json::object{{"org_id", org}, {"role", tenancy::role_name(*role)}}));
}

} // namespace gh::orgs
