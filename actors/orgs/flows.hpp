#pragma once

#include "actors/orgs/org_rules.hpp"
#include "actors/orgs/requests.hpp"
#include "actors/tenancy.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

/// The organization flows of API.md "Organizations", each the work of one tenant transaction
/// (run as `gatehouse_tenant` with the caller set, see `tenancy::respond`): they check the
/// caller's role through `org_rules`, write, audit and announce. Anyone who is not a member of
/// the organization gets 404.
namespace gh::orgs {

using tenancy::answer;

// --- organizations.cpp ------------------------------------------------------------------------

/// `POST /api/v1/orgs`: organization `id` named `name`, with the caller as its owner.
answer create_organization(db::transaction& tx, const http_request& r, const std::string& id,
                           const std::string& name);

/// `GET /api/v1/orgs`: the caller's organizations and roles.
answer list_organizations(db::transaction& tx);

/// `GET /api/v1/orgs/{id}`.
answer show_organization(db::transaction& tx, const std::string& org);

/// `PATCH /api/v1/orgs/{id}` (admin and above).
answer rename_organization(db::transaction& tx, const http_request& r, const std::string& org,
                           const std::string& name);

/// `DELETE /api/v1/orgs/{id}` (owners): its memberships, invitations and records go with it.
answer delete_organization(db::transaction& tx, const http_request& r, const std::string& org);

// --- members.cpp ------------------------------------------------------------------------------

/// `GET /api/v1/orgs/{id}/members` (any member).
answer list_members(db::transaction& tx, const std::string& org);

/// `PATCH /api/v1/orgs/{id}/members/{user_id}`.
answer change_member(db::transaction& tx, const http_request& r, const std::string& org,
                     const std::string& user, tenancy::org_role wanted);

/// `DELETE /api/v1/orgs/{id}/members/{user_id}` (also leaving, for one's own id).
answer remove_member(db::transaction& tx, const http_request& r, const std::string& org,
                     const std::string& user);

// --- invitations.cpp --------------------------------------------------------------------------

/// `POST /api/v1/orgs/{id}/invitations`: stores the invitation (only the SHA-256 of `token`)
/// and asks for the `org_invitation` mail whose link is `<public_url>/invitations/accept?token=`.
answer invite(db::transaction& tx, const http_request& r, const std::string& org,
              const invitation_request& req, const std::string& id, const std::string& token,
              const std::string& public_url);

/// `POST /api/v1/orgs/invitations/accept`.
answer accept_invitation(db::transaction& tx, const http_request& r, const std::string& token);

// --- shared by the flows (organizations.cpp) --------------------------------------------------

/// `column` (a timestamptz) as RFC 3339 UTC text, in SQL.
std::string utc(std::string_view column);

/// The caller's role in `org`; nullopt when they are not a member.
std::optional<tenancy::org_role> caller_role(db::transaction& tx, const std::string& org);

/// The problem of a rule's refusal.
answer refused(const verdict& v);

/// The 404 of an organization the caller does not belong to.
answer no_such_organization();

/// Audits `action` on `target` and publishes it with `data` (`org.*`, USERS stream).
void announce(db::transaction& tx, const http_request& r, std::string_view action,
              const std::string& target, boost::json::object data);

} // namespace gh::orgs
