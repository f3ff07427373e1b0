#pragma once

#include "actors/app.hpp"

/// Federation (API.md "Federation"): sign-in with any configured OpenID provider, linking and
/// unlinking providers, and the provider identities behind `/users/me`.
namespace gh::federation {

/// Builds each configured provider's client (discovery and keys fetched on first use), spawns
/// the federation actor and registers its routes and docs.
void install(app& a);

} // namespace gh::federation
