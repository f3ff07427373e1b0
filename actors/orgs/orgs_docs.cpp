#include "actors/orgs/orgs_docs.hpp"

namespace gh::orgs {

namespace {

constexpr const char* org_ref = R"({"$ref":"#/components/schemas/Organization"})";
constexpr const char* member_ref = R"({"$ref":"#/components/schemas/Member"})";
constexpr const char* name_body =
    R"({"type":"object","required":["name"],"properties":{"name":{"type":"string",)"
    R"("minLength":1,"maxLength":100}}})";
constexpr const char* role_body = R"({"type":"object","required":["role"],"properties":{"role":)"
                                  R"({"$ref":"#/components/schemas/OrgRole"}}})";

} // namespace

void describe(app& a) {
  a.add_schema("OrgRole", R"({"enum":["owner","admin","member","viewer"]})");
  a.add_schema("Organization",
               R"({"type":"object","required":["id","name","role"],"properties":{"id":)"
               R"({"type":"string","format":"uuid"},"name":{"type":"string"},"role":)"
               R"({"$ref":"#/components/schemas/OrgRole"},"created_at":{"type":"string",)"
               R"("format":"date-time"}}})");
  a.add_schema("Member", R"({"type":"object","required":["user_id","role","joined_at"],)"
                         R"("properties":{"user_id":{"type":"string","format":"uuid"},)"
                         R"("email":{"type":"string"},"name":{"type":"string"},"role":)"
                         R"({"$ref":"#/components/schemas/OrgRole"},"joined_at":)"
                         R"({"type":"string","format":"date-time"}}})");
  a.add_docs({
      {"POST", "/api/v1/orgs", "orgs", "Create an organization (the caller is its owner)",
       name_body, 201, org_ref, "user"},
      {"GET",
       "/api/v1/orgs",
       "orgs",
       "The caller's organizations with their role",
       {},
       200,
       R"({"type":"array","items":{"$ref":"#/components/schemas/Organization"}})",
       "user"},
      {"POST", "/api/v1/orgs/invitations/accept", "orgs",
       "Accept an invitation (only the invited address; single use, 7 days)",
       R"({"type":"object","required":["token"],"properties":{"token":{"type":"string"}}})", 200,
       R"({"type":"object","required":["org_id","role"],"properties":{"org_id":)"
       R"({"type":"string","format":"uuid"},"role":{"$ref":"#/components/schemas/OrgRole"}}})",
       "user"},
      {"GET",
       "/api/v1/orgs/{id}",
       "orgs",
       "One of the caller's organizations (non-members: 404)",
       {},
       200,
       org_ref,
       "user"},
      {"PATCH", "/api/v1/orgs/{id}", "orgs", "Rename an organization (admin and above)", name_body,
       200, org_ref, "user"},
      {"DELETE",
       "/api/v1/orgs/{id}",
       "orgs",
       "Delete an organization with its members, invitations and records (owner)",
       {},
       204,
       {},
       "user"},
      {"GET",
       "/api/v1/orgs/{id}/members",
       "orgs",
       "An organization's members (any member)",
       {},
       200,
       R"({"type":"array","items":{"$ref":"#/components/schemas/Member"}})",
       "user"},
      {"POST", "/api/v1/orgs/{id}/invitations", "orgs",
       "Invite an address by email (admin and above; only an owner invites an owner)",
       R"({"type":"object","required":["email","role"],"properties":{"email":{"type":)"
       R"("string","format":"email"},"role":{"$ref":"#/components/schemas/OrgRole"}}})",
       201,
       R"({"type":"object","required":["id","email","role","expires_at"],"properties":)"
       R"({"id":{"type":"string","format":"uuid"},"email":{"type":"string"},"role":)"
       R"({"$ref":"#/components/schemas/OrgRole"},"expires_at":{"type":"string",)"
       R"("format":"date-time"}}})",
       "user"},
      {"PATCH", "/api/v1/orgs/{id}/members/{user_id}", "orgs",
       "Change a member's role (admin and above; only an owner grants owner; the last owner "
       "stays)",
       role_body, 200, member_ref, "user"},
      {"DELETE",
       "/api/v1/orgs/{id}/members/{user_id}",
       "orgs",
       "Remove a member (admin and above) or leave (yourself); the last owner stays",
       {},
       204,
       {},
       "user"},
  });
}

} // namespace gh::orgs
