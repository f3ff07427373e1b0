#include "actors/orgs/org_rules.hpp"

#include <gtest/gtest.h>

namespace gh::orgs {
namespace {

using enum tenancy::org_role;

constexpr auto ok = gh_errc::ok;
constexpr auto no = gh_errc::forbidden;
constexpr auto last = gh_errc::conflict;

std::string_view name(org_role r) {
  return tenancy::role_name(r);
}

// Who may change whose role to what, with how many owners: every actor, target and wanted role
// with one owner and with two.
struct change_case {
  org_role actor;
  org_role target;
  org_role wanted;
  std::size_t owners;
  gh_errc expected;
};

const change_case change_table[] = {
    // Viewers and members change nobody's role.
    {viewer, viewer, member, 1, no},
    {viewer, member, viewer, 1, no},
    {member, viewer, member, 1, no},
    {member, member, admin, 1, no},
    {member, owner, member, 2, no},
    // Admins change roles below owner, never to or from owner.
    {admin, viewer, member, 1, ok},
    {admin, member, admin, 1, ok},
    {admin, admin, viewer, 1, ok},
    {admin, member, owner, 1, no},
    {admin, owner, admin, 2, no},
    {admin, owner, owner, 2, no},
    // Owners change anyone, grant owner, and demote owners while another owner stays.
    {owner, viewer, owner, 1, ok},
    {owner, admin, member, 1, ok},
    {owner, owner, admin, 2, ok},
    {owner, owner, viewer, 1, last},
    {owner, owner, owner, 1, ok},
};

TEST(OrgRules, ChangingRolesTable) {
  for (const auto& c : change_table)
    EXPECT_EQ(org_rules::change_role(c.actor, c.target, c.wanted, c.owners).code, c.expected)
        << name(c.actor) << " sets " << name(c.target) << " to " << name(c.wanted) << " with "
        << c.owners << " owner(s)";
}

struct remove_case {
  org_role actor;
  bool self;
  org_role target;
  std::size_t owners;
  gh_errc expected;
};

const remove_case remove_table[] = {
    // Anyone leaves, except the last owner.
    {viewer, true, viewer, 1, ok},
    {member, true, member, 1, ok},
    {admin, true, admin, 1, ok},
    {owner, true, owner, 2, ok},
    {owner, true, owner, 1, last},
    // Removing someone else takes an admin, and an owner for an owner.
    {viewer, false, viewer, 1, no},
    {member, false, viewer, 1, no},
    {member, false, owner, 1, no},
    {admin, false, viewer, 1, ok},
    {admin, false, member, 1, ok},
    {admin, false, admin, 1, ok},
    {admin, false, owner, 2, no},
    {owner, false, admin, 1, ok},
    {owner, false, owner, 2, ok},
};

TEST(OrgRules, RemovingMembersTable) {
  for (const auto& c : remove_table)
    EXPECT_EQ(org_rules::remove_member(c.actor, c.self, c.target, c.owners).code, c.expected)
        << name(c.actor) << (c.self ? " leaves as " : " removes ") << name(c.target) << " with "
        << c.owners << " owner(s)";
}

TEST(OrgRules, InvitingRenamingAndDeletingTable) {
  const struct {
    org_role actor;
    gh_errc invite_member;
    gh_errc invite_owner;
    gh_errc rename;
    gh_errc remove;
  } table[] = {
      {viewer, no, no, no, no},
      {member, no, no, no, no},
      {admin, ok, no, ok, no},
      {owner, ok, ok, ok, ok},
  };
  for (const auto& row : table) {
    EXPECT_EQ(org_rules::invite(row.actor, member).code, row.invite_member) << name(row.actor);
    EXPECT_EQ(org_rules::invite(row.actor, viewer).code, row.invite_member) << name(row.actor);
    EXPECT_EQ(org_rules::invite(row.actor, admin).code, row.invite_member) << name(row.actor);
    EXPECT_EQ(org_rules::invite(row.actor, owner).code, row.invite_owner) << name(row.actor);
    EXPECT_EQ(org_rules::rename(row.actor).code, row.rename) << name(row.actor);
    EXPECT_EQ(org_rules::remove_organization(row.actor).code, row.remove) << name(row.actor);
  }
}

TEST(OrgRules, AcceptingAnInvitationTable) {
  const struct {
    invitation_state invitation;
    std::string_view caller;
    bool member;
    gh_errc expected;
  } table[] = {
      {{"ada@example.com", false, false}, "ada@example.com", false, ok},
      {{"ada@example.com", false, false}, "ADA@Example.COM", false, ok},
      {{"Ada@Example.com", false, false}, "ada@example.com", false, ok},
      {{"ada@example.com", false, false}, "bob@example.com", false, no},
      {{"ada@example.com", false, false}, "ada@example.co", false, no},
      {{"ada@example.com", false, false}, "", false, no},
      {{"ada@example.com", true, false}, "ada@example.com", false, gh_errc::validation},
      {{"ada@example.com", false, true}, "ada@example.com", false, gh_errc::validation},
      // A used or expired link says so before it says whose it is.
      {{"ada@example.com", true, false}, "bob@example.com", false, gh_errc::validation},
      {{"ada@example.com", false, false}, "ada@example.com", true, last},
  };
  for (const auto& row : table)
    EXPECT_EQ(org_rules::accept(row.invitation, row.caller, row.member).code, row.expected)
        << row.invitation.email << (row.invitation.used ? " used" : "")
        << (row.invitation.expired ? " expired" : "") << " by " << row.caller;
}

TEST(OrgRules, RolesReadAndWriteRecordsByRank) {
  EXPECT_FALSE(tenancy::writes_records(viewer));
  EXPECT_TRUE(tenancy::writes_records(member));
  EXPECT_TRUE(tenancy::writes_records(admin));
  EXPECT_TRUE(tenancy::writes_records(owner));
  for (auto r : {viewer, member, admin, owner})
    EXPECT_EQ(tenancy::parse_role(tenancy::role_name(r)), r);
  EXPECT_FALSE(tenancy::parse_role("Owner"));
  EXPECT_FALSE(tenancy::parse_role(""));
  EXPECT_FALSE(tenancy::parse_role("superuser"));
}

} // namespace
} // namespace gh::orgs
