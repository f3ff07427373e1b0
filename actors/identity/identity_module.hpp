#pragma once

#include "actors/app.hpp"

/// Identity (API.md "Identity"): accounts, sign-in, sessions and tokens, two-factor, password
/// reset, the caller's profile, and the JWKS.
namespace gh::identity {

/// Spawns the password-hashing workers and the identity actor, and registers its routes.
void install(app& a);

} // namespace gh::identity
