#pragma once

#include "actors/identity/password_hash.hpp"
#include "messages/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace gh {

/// A password-hashing worker on its own thread (argon2id is ~17 ms of one core and 19 MiB):
/// `hash_atom` makes a PHC string, `verify_atom` checks a password against one.
using hasher_actor =
    caf::typed_actor<caf::replies_to<hash_atom, std::string>::with<std::string>,
                     caf::replies_to<verify_atom, std::string, std::string>::with<bool>>;

/// Spawns a detached hashing worker; the pool is as many of them as the machine has cores.
hasher_actor spawn_hasher(caf::actor_system& sys, credentials::argon2_params params);

} // namespace gh
