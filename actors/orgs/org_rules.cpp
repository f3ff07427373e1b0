#include "actors/orgs/org_rules.hpp"

namespace gh::orgs {

namespace {

constexpr verdict ok{};

constexpr verdict forbidden(std::string_view reason) {
  return {gh_errc::forbidden, reason};
}

constexpr verdict conflict(std::string_view reason) {
  return {gh_errc::conflict, reason};
}

constexpr bool at_least_admin(org_role r) {
  return r >= org_role::admin;
}

} // namespace

verdict org_rules::rename(org_role actor) noexcept {
  return at_least_admin(actor) ? ok : forbidden("renaming an organization takes the admin role");
}

verdict org_rules::remove_organization(org_role actor) noexcept {
  return actor == org_role::owner ? ok : forbidden("only an owner deletes an organization");
}

verdict org_rules::invite(org_role actor, org_role invited) noexcept {
  if (!at_least_admin(actor))
    return forbidden("inviting takes the admin role");
  if (invited == org_role::owner && actor != org_role::owner)
    return forbidden("only an owner invites an owner");
  return ok;
}

verdict org_rules::change_role(org_role actor, org_role target, org_role wanted,
                               std::size_t owners) noexcept {
  if (!at_least_admin(actor))
    return forbidden("changing roles takes the admin role");
  if (target == org_role::owner && actor != org_role::owner)
    return forbidden("only an owner changes an owner's role");
  if (wanted == org_role::owner && actor != org_role::owner)
    return forbidden("only an owner grants the owner role");
  if (target == org_role::owner && wanted != org_role::owner && owners <= 1)
    return conflict("the last owner cannot be demoted; make someone else owner first");
  return ok;
}

verdict org_rules::remove_member(org_role actor, bool self, org_role target,
                                 std::size_t owners) noexcept {
  const bool last_owner = target == org_role::owner && owners <= 1;
  if (self)
    return last_owner ? conflict("the last owner cannot leave; make someone else owner first") : ok;
  if (!at_least_admin(actor))
    return forbidden("removing members takes the admin role");
  if (target == org_role::owner && actor != org_role::owner)
    return forbidden("only an owner removes an owner");
  return last_owner ? conflict("the last owner cannot be removed") : ok;
}

verdict org_rules::accept(const invitation_state& invitation, std::string_view caller_email,
                          bool already_member) noexcept {
  if (invitation.used)
    return {gh_errc::validation, "this invitation was used already"};
  if (invitation.expired)
    return {gh_errc::validation, "this invitation has expired"};
  if (!same_address(invitation.email, caller_email))
    return forbidden("this invitation is for another address");
  if (already_member)
    return conflict("you are a member of this organization already");
  return ok;
}

bool org_rules::same_address(std::string_view a, std::string_view b) noexcept {
  if (a.empty() || a.size() != b.size())
    return false;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

} // namespace gh::orgs
