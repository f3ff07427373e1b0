#pragma once

#include "actors/app.hpp"

/// The admin API of accounts (API.md "Admin"): API keys, users, the audit log.
namespace gh::admin {

/// Spawns the admin actor and registers its routes.
void install(app& a);

} // namespace gh::admin
