#include "actors/identity/identity_module.hpp"

#include "actors/identity/credentials.hpp"
#include "actors/identity/identity_actor.hpp"
#include "crypto/crypto.hpp"

#include <algorithm>
#include <thread>

namespace gh::identity {

void install(app& a) {
  const auto& s = a.settings;
  identity_options o;
  o.db = &a.db;
  o.redis = a.redis;
  // One argon2id worker per core, each on a thread of its own.
  for (unsigned i = 0; i < std::max(1U, std::thread::hardware_concurrency()); ++i)
    o.hashers.push_back(spawn_hasher(a.sys, {}));
  o.keys = &a.keys;
  o.revoked = &a.revoked;
  o.cookies = cookie_names::for_production(s.production());
  o.secure_cookies = s.public_url.starts_with("https://");
  o.public_url = a.public_base();
  o.sealing_key = crypto::hkdf_sha256(a.secrets_key, "gatehouse sealed secrets v1", 32);
  o.refresh_sealing_key =
      crypto::hkdf_sha256(a.secrets_key, "gatehouse refresh token successors v1", 32);
  o.refresh_grace = s.refresh_grace;
  o.access_ttl = std::chrono::duration_cast<std::chrono::seconds>(s.access_token_ttl);
  o.limits.login_attempts_per_ip = s.login_rate;
  o.limits.registrations_per_ip = s.register_rate;
  o.limits.window = std::max(std::chrono::seconds{1},
                             std::chrono::duration_cast<std::chrono::seconds>(s.rate_window));
  for (const auto& h : o.hashers)
    a.own(caf::actor_cast<caf::actor>(h));
  // Made now, not during the first sign-in of an unknown user.
  (void)credentials::dummy_hash();
  auto identity = spawn_identity(a.sys, std::move(o));
  a.own(caf::actor_cast<caf::actor>(identity));
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, identity, r.body, r.auth);
  a.add_push({"user.updated", {}, {}});
}

} // namespace gh::identity
