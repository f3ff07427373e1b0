// The organizations API through HTTP (API.md "Organizations"): every route with every role and
// with outsiders (404), invitations mailed through the `email.send` pipeline and accepted once
// by the invited address only, role changes and removals under the rules, the last owner, and
// the audit rows and events of every change.
#include "tests/integration/tenancy_fixture.hpp"
#include "tests/support/text.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <tuple>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

class OrgsTest : public TenancyTest {
protected:
  /// An organization with one member of each role, and an outsider.
  struct cast {
    account owner, admin, member, viewer, outsider;
    std::string org;
  };

  static cast assemble() {
    cast c{sign_up("owner"),  sign_up("admin"),    sign_up("member"),
           sign_up("viewer"), sign_up("outsider"), {}};
    c.org = create_org(c.owner);
    join(c.org, c.owner, c.admin, "admin");
    join(c.org, c.owner, c.member, "member");
    join(c.org, c.owner, c.viewer, "viewer");
    return c;
  }

  static std::string role_of(const std::string& org, const account& who) {
    const auto members = parse(call("GET", "/api/v1/orgs/" + org + "/members", who).body);
    for (const auto& m : members.as_array())
      if (str(m, "user_id") == who.id)
        return str(m, "role");
    return {};
  }
};

TEST_F(OrgsTest, AnOrganizationIsCreatedListedShownRenamedAndDeleted) {
  const auto ada = sign_up("ada");
  auto created = call("POST", "/api/v1/orgs", ada, R"({"name":"Acme"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto org = parse(created.body);
  const auto id = str(org, "id");
  EXPECT_EQ(str(org, "name"), "Acme");
  EXPECT_EQ(str(org, "role"), "owner");
  EXPECT_FALSE(str(org, "created_at").empty());
  auto listed = parse(call("GET", "/api/v1/orgs", ada).body).as_array();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0], parse(R"({"id":")" + id + R"(","name":"Acme","role":"owner"})"));
  EXPECT_EQ(parse(call("GET", "/api/v1/orgs/" + id, ada).body), org);
  auto renamed = call("PATCH", "/api/v1/orgs/" + id, ada, R"({"name":"Acme Ltd"})");
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(str(parse(renamed.body), "name"), "Acme Ltd");
  auto members = parse(call("GET", "/api/v1/orgs/" + id + "/members", ada).body).as_array();
  ASSERT_EQ(members.size(), 1U);
  EXPECT_EQ(str(members[0], "user_id"), ada.id);
  EXPECT_EQ(str(members[0], "email"), ada.email);
  EXPECT_EQ(str(members[0], "role"), "owner");
  EXPECT_EQ(call("DELETE", "/api/v1/orgs/" + id, ada).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/orgs/" + id, ada).status, 404);
  EXPECT_TRUE(parse(call("GET", "/api/v1/orgs", ada).body).as_array().empty());
  // Names are checked.
  EXPECT_EQ(call("POST", "/api/v1/orgs", ada, R"({"name":"  "})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/orgs", ada, R"({})").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/orgs", account{}).status, 401);
}

TEST_F(OrgsTest, EveryRouteAnswersEachRoleAndOutsidersGetNotFound) {
  const auto c = assemble();
  const auto base = "/api/v1/orgs/" + c.org;
  const struct {
    const account* who;
    int show, rename, members, invite, invite_owner;
  } table[] = {
      {&c.owner, 200, 200, 200, 201, 201},    {&c.admin, 200, 200, 200, 201, 403},
      {&c.member, 200, 403, 200, 403, 403},   {&c.viewer, 200, 403, 200, 403, 403},
      {&c.outsider, 404, 404, 404, 404, 404},
  };
  for (const auto& row : table) {
    const auto& who = *row.who;
    EXPECT_EQ(call("GET", base, who).status, row.show) << who.email;
    EXPECT_EQ(call("PATCH", base, who, R"({"name":"Renamed"})").status, row.rename) << who.email;
    EXPECT_EQ(call("GET", base + "/members", who).status, row.members) << who.email;
    EXPECT_EQ(
        call("POST", base + "/invitations", who,
             R"({"email":"x-)" + crypto::random_token(4) + R"(@example.com","role":"member"})")
            .status,
        row.invite)
        << who.email;
    EXPECT_EQ(call("POST", base + "/invitations", who,
                   R"({"email":"y-)" + crypto::random_token(4) + R"(@example.com","role":"owner"})")
                  .status,
              row.invite_owner)
        << who.email;
  }
  // Only the owner deletes; outsiders cannot tell the organization exists.
  for (const auto* who : {&c.admin, &c.member, &c.viewer})
    EXPECT_EQ(call("DELETE", base, *who).status, 403);
  EXPECT_EQ(call("DELETE", base, c.outsider).status, 404);
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PATCH", base + "/members/" + c.member.id, R"({"role":"viewer"})"},
           {"DELETE", base + "/members/" + c.member.id, ""}}) {
    EXPECT_EQ(call(method, path, c.outsider, body).status, 404) << method;
  }
  // The outsider's own view lists nothing of it.
  EXPECT_TRUE(parse(call("GET", "/api/v1/orgs", c.outsider).body).as_array().empty());
  auto members = parse(call("GET", base + "/members", c.viewer).body).as_array();
  EXPECT_EQ(members.size(), 4U);
  EXPECT_EQ(call("DELETE", base, c.owner).status, 204);
}

TEST_F(OrgsTest, IdsOfOtherOrganizationsAndNonMembersAreNotFound) {
  const auto c = assemble();
  const auto theirs = sign_up("theirs");
  const auto other = create_org(theirs, "Other");
  const auto other_base = "/api/v1/orgs/" + other;
  // Every id-bearing route with an organization id the caller does not belong to.
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", other_base, ""},
           {"PATCH", other_base, R"({"name":"Mine now"})"},
           {"DELETE", other_base, ""},
           {"GET", other_base + "/members", ""},
           {"POST", other_base + "/invitations", R"({"email":"z@example.com","role":"admin"})"},
           {"PATCH", other_base + "/members/" + theirs.id, R"({"role":"viewer"})"},
           {"DELETE", other_base + "/members/" + theirs.id, ""},
           {"GET", "/api/v1/orgs/" + crypto::random_uuid(), ""}}) {
    auto r = call(method, path, c.owner, body);
    EXPECT_EQ(r.status, 404) << method << " " << path << " " << r.body;
    EXPECT_EQ(slug(r), "not-found");
  }
  // Member routes with a user who is not a member of this organization.
  const auto base = "/api/v1/orgs/" + c.org;
  EXPECT_EQ(call("PATCH", base + "/members/" + theirs.id, c.owner, R"({"role":"viewer"})").status,
            404);
  EXPECT_EQ(call("DELETE", base + "/members/" + theirs.id, c.owner).status, 404);
  EXPECT_EQ(call("DELETE", base + "/members/not-a-uuid", c.owner).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/orgs/not-a-uuid", c.owner).status, 404);
  // Nothing of theirs changed.
  auto still = parse(call("GET", other_base, theirs).body);
  EXPECT_EQ(str(still, "name"), "Other");
  EXPECT_EQ(str(still, "role"), "owner");
}

TEST_F(OrgsTest, TheInvitationIsMailedAndAcceptedOnceByItsAddressOnly) {
  const auto owner = sign_up("owner");
  const auto invitee = sign_up("invitee");
  const auto intruder = sign_up("intruder");
  const auto org = create_org(owner, "Mail & <Co>");
  // The address is invited in capitals: binding ignores case.
  std::string shouted = invitee.email;
  std::transform(shouted.begin(), shouted.end(), shouted.begin(),
                 [](char ch) { return static_cast<char>(std::toupper(ch)); });
  auto invited = call("POST", "/api/v1/orgs/" + org + "/invitations", owner,
                      R"({"email":")" + shouted + R"(","role":"member"})");
  ASSERT_EQ(invited.status, 201) << invited.body;
  auto inv = parse(invited.body);
  EXPECT_EQ(str(inv, "email"), invitee.email);
  EXPECT_EQ(str(inv, "role"), "member");
  EXPECT_FALSE(str(inv, "expires_at").empty());
  EXPECT_EQ(count("SELECT count(*) FROM org_invitations WHERE id = $1::uuid AND expires_at "
                  "BETWEEN now() + interval '7 days' - interval '1 minute' AND now() + "
                  "interval '7 days'",
                  str(inv, "id")),
            1);

  // The mail goes through email.send and the SMTP server, with the link in both parts.
  ASSERT_TRUE(sink->wait_for(invitee.email, 1, 30s));
  smtp_sink::message mail;
  for (const auto& m : sink->messages())
    if (!m.recipients.empty() && m.recipients.front() == invitee.email)
      mail = m;
  EXPECT_NE(mail.data.find("Subject: You are invited to join Mail & <Co>\r\n"), std::string::npos)
      << mail.data;
  const auto text = decoded_parts(mail.data);
  const std::string_view prefix = "http://app.example/invitations/accept?token=";
  const auto at = text.find(prefix);
  ASSERT_NE(at, std::string::npos) << text;
  const auto start = at + prefix.size();
  const auto end = text.find_first_not_of(base64url_chars, start);
  const std::string token = text.substr(start, end == std::string::npos ? end : end - start);
  ASSERT_TRUE(only_of(token, base64url_chars)) << text;
  EXPECT_NE(text.find("Mail &amp; &lt;Co&gt;"), std::string::npos) << text;
  EXPECT_EQ(token, invitation_token(str(inv, "id")));
  // Only a hash of the token is stored.
  EXPECT_EQ(count("SELECT count(*) FROM org_invitations WHERE token_hash = $1", token), 0);

  const auto accept = [&](const account& who, const std::string& t) {
    return call("POST", "/api/v1/orgs/invitations/accept", who, R"({"token":")" + t + R"("})");
  };
  auto wrong = accept(intruder, token);
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(call("GET", "/api/v1/orgs/" + org, intruder).status, 404);
  auto ok = accept(invitee, token);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(parse(ok.body), parse(R"({"org_id":")" + org + R"(","role":"member"})"));
  EXPECT_EQ(str(parse(call("GET", "/api/v1/orgs/" + org, invitee).body), "role"), "member");
  // Single use, for everyone.
  auto again = accept(invitee, token);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(parse(again.body).at("errors").as_array()[0].at("field").as_string(), "token");
  EXPECT_EQ(accept(intruder, token).status, 400);
  EXPECT_EQ(accept(invitee, "unknown-token").status, 400);
  EXPECT_EQ(accept(invitee, "bad token!").status, 400);
  // Inviting a member again is a conflict.
  EXPECT_EQ(call("POST", "/api/v1/orgs/" + org + "/invitations", owner,
                 R"({"email":")" + invitee.email + R"(","role":"admin"})")
                .status,
            409);
}

TEST_F(OrgsTest, AnExpiredInvitationCannotBeAccepted) {
  const auto owner = sign_up("owner");
  const auto late = sign_up("late");
  const auto org = create_org(owner);
  auto invited = call("POST", "/api/v1/orgs/" + org + "/invitations", owner,
                      R"({"email":")" + late.email + R"(","role":"viewer"})");
  ASSERT_EQ(invited.status, 201);
  const auto id = str(parse(invited.body), "id");
  const auto token = invitation_token(id);
  sql("UPDATE org_invitations SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
      id);
  auto r = call("POST", "/api/v1/orgs/invitations/accept", late, R"({"token":")" + token + R"("})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(call("GET", "/api/v1/orgs/" + org, late).status, 404);
}

TEST_F(OrgsTest, RolesChangeAndMembersLeaveByTheRules) {
  const auto c = assemble();
  const auto base = "/api/v1/orgs/" + c.org;
  const auto set_role = [&](const account& actor, const account& target, const std::string& role) {
    return call("PATCH", base + "/members/" + target.id, actor, R"({"role":")" + role + R"("})");
  };
  EXPECT_EQ(set_role(c.member, c.viewer, "member").status, 403);
  EXPECT_EQ(set_role(c.viewer, c.viewer, "admin").status, 403);
  EXPECT_EQ(set_role(c.admin, c.member, "owner").status, 403);
  EXPECT_EQ(set_role(c.admin, c.owner, "member").status, 403);
  auto promoted = set_role(c.admin, c.viewer, "member");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(str(parse(promoted.body), "role"), "member");
  EXPECT_EQ(str(parse(promoted.body), "user_id"), c.viewer.id);
  // The last owner is never demoted and never leaves.
  auto demote = set_role(c.owner, c.owner, "admin");
  EXPECT_EQ(demote.status, 409);
  EXPECT_EQ(slug(demote), "conflict");
  EXPECT_EQ(call("DELETE", base + "/members/" + c.owner.id, c.owner).status, 409);
  EXPECT_EQ(set_role(c.owner, c.admin, "owner").status, 200);
  EXPECT_EQ(set_role(c.owner, c.owner, "member").status, 200);
  EXPECT_EQ(role_of(c.org, c.owner), "member");
  EXPECT_EQ(set_role(c.admin, c.admin, "owner").status, 200); // the new owner, unchanged
  EXPECT_EQ(role_of(c.org, c.admin), "owner");
  // Removing someone takes an admin; anyone may leave.
  EXPECT_EQ(call("DELETE", base + "/members/" + c.member.id, c.viewer).status, 403);
  EXPECT_EQ(call("DELETE", base + "/members/" + c.viewer.id, c.admin).status, 204);
  EXPECT_EQ(call("GET", base, c.viewer).status, 404);
  EXPECT_EQ(call("DELETE", base + "/members/" + c.member.id, c.member).status, 204);
  EXPECT_EQ(call("GET", base + "/members", c.member).status, 404);
  auto left = parse(call("GET", base + "/members", c.admin).body).as_array();
  EXPECT_EQ(left.size(), 2U);
  EXPECT_EQ(set_role(c.admin, c.owner, "superuser").status, 400);
}

TEST_F(OrgsTest, EveryChangeIsAuditedAndPublished) {
  const auto owner = sign_up("owner");
  const auto member = sign_up("member");
  const auto org = create_org(owner);
  join(org, owner, member, "viewer");
  ASSERT_EQ(
      call("PATCH", "/api/v1/orgs/" + org + "/members/" + member.id, owner, R"({"role":"member"})")
          .status,
      200);
  ASSERT_EQ(call("PATCH", "/api/v1/orgs/" + org, owner, R"({"name":"New name"})").status, 200);
  ASSERT_EQ(call("DELETE", "/api/v1/orgs/" + org + "/members/" + member.id, member).status, 204);
  ASSERT_EQ(call("DELETE", "/api/v1/orgs/" + org, owner).status, 204);
  std::vector<std::string> subjects;
  for (const auto& row : sql("SELECT subject FROM outbox WHERE subject LIKE 'org.%' AND "
                             "payload->'data'->>'org_id' = $1 ORDER BY seq",
                             org))
    subjects.push_back(row[0].as<std::string>());
  EXPECT_EQ(subjects,
            (std::vector<std::string>{"org.created", "org.invitation_created", "org.member_added",
                                      "org.member_updated", "org.updated", "org.member_removed",
                                      "org.deleted"}));
  auto added = sql("SELECT payload->'data' FROM outbox WHERE subject = 'org.member_added' AND "
                   "payload->'data'->>'org_id' = $1",
                   org);
  EXPECT_EQ(
      parse(added[0][0].as<std::string>()),
      parse(R"({"org_id":")" + org + R"(","user_id":")" + member.id + R"(","role":"viewer"})"));
  std::vector<std::string> actions;
  for (const auto& row :
       sql("SELECT action FROM audit_log WHERE details->>'org_id' = $1 ORDER BY id", org))
    actions.push_back(row[0].as<std::string>());
  EXPECT_EQ(actions, subjects);
}

} // namespace
} // namespace gh::test
