#pragma once

#include "actors/app.hpp"

/// Organizations (API.md "Organizations"): organizations with roles (`owner`, `admin`,
/// `member`, `viewer`), invitations by email, membership changes; every change audited and
/// published as `org.*` on the USERS stream.
namespace gh::orgs {

/// Spawns the organizations actor and registers its routes.
void install(app& a);

} // namespace gh::orgs
