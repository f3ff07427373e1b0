#include "actors/identity/hasher.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace gh {

namespace {

hasher_actor::behavior_type hasher_impl(hasher_actor::pointer, credentials::argon2_params params) {
  return {
      [params](hash_atom, const std::string& password) {
        return credentials::hash_password(password, params);
      },
      [](verify_atom, const std::string& encoded, const std::string& password) {
        return credentials::verify_password(encoded, password);
      },
  };
}

} // namespace

hasher_actor spawn_hasher(caf::actor_system& sys, credentials::argon2_params params) {
  return sys.spawn<caf::detached>(hasher_impl, params);
}

} // namespace gh
