#pragma once

#include "actors/tenancy.hpp"
#include "messages/gh_errc.hpp"

#include <cstddef>
#include <string_view>

namespace gh::orgs {

using tenancy::org_role;

/// What a rule says about an action: allowed (`ok`), or the problem to answer (`forbidden`,
/// `conflict`, `validation`) and why.
struct verdict {
  gh_errc code = gh_errc::ok;
  std::string_view reason;

  bool allowed() const noexcept { return code == gh_errc::ok; }
};

/// An invitation as its acceptance sees it.
struct invitation_state {
  std::string_view email; ///< the invited address
  bool used = false;
  bool expired = false;
};

/// The organization rules of API.md "Organizations", in one place: who may rename or delete an
/// organization, invite, change roles and remove members, and who may accept an invitation.
/// Callers have already answered 404 to anyone who is not a member. PostgreSQL's policies
/// (migration 0008) hold the same lines a second time, coarser.
class org_rules {
public:
  /// Memberships one user may hold.
  static constexpr std::size_t max_memberships = 100;
  /// Members plus pending invitations one organization may have.
  static constexpr std::size_t max_members = 1000;
  /// Invitations one organization may send per hour.
  static constexpr std::size_t max_invitations_per_hour = 20;
  /// How long an invitation can be accepted, in days.
  static constexpr int invitation_days = 7;

  /// Renaming takes an admin or an owner.
  static verdict rename(org_role actor) noexcept;

  /// Deleting the organization (and its records) takes an owner.
  static verdict remove_organization(org_role actor) noexcept;

  /// Inviting takes an admin or an owner; only an owner invites an owner.
  static verdict invite(org_role actor, org_role invited) noexcept;

  /// Changing `target`'s role to `wanted` takes an admin (for members below owner) or an owner
  /// (for anyone); only an owner grants owner; the last of `owners` owners is never demoted.
  static verdict change_role(org_role actor, org_role target, org_role wanted,
                             std::size_t owners) noexcept;

  /// Anyone may leave (`self`), except the last of `owners` owners; removing someone else
  /// takes an admin (for members below owner) or an owner (for anyone).
  static verdict remove_member(org_role actor, bool self, org_role target,
                               std::size_t owners) noexcept;

  /// An invitation is accepted once, before it expires, by the address it names (compared
  /// without regard to ASCII case), by someone who is not a member yet.
  static verdict accept(const invitation_state& invitation, std::string_view caller_email,
                        bool already_member) noexcept;

  /// True when `a` and `b` are the same address without regard to ASCII case.
  static bool same_address(std::string_view a, std::string_view b) noexcept;
};

} // namespace gh::orgs
