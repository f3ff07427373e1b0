#include "actors/identity/identity_module.hpp"

#include "actors/identity/credentials.hpp"
#include "actors/identity/identity_actor.hpp"
#include "actors/identity/identity_docs.hpp"
#include "crypto/crypto.hpp"

#include <algorithm>
#include <thread>

namespace gh::identity {

void install(app& a) {
  const auto& s = a.settings;
  identity_options o;
  o.db = &a.db;
  o.profiles = &a.profiles;
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
  o.csrf_key = csrf_key_of(a.secrets_key);
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
  auto profiles = o.profiles;
  auto identity = spawn_identity(a.sys, std::move(o));
  a.own(caf::actor_cast<caf::actor>(identity));
  // A profile read in the last seconds is answered on the io thread, with no actor hop; one
  // request refreshes an expired one while the others keep it (profile_cache::serve).
  const auto cached_me = [profiles](const inline_request& r) -> std::optional<http_response> {
    auto body = profiles->serve(r.who.user_id, profile_cache::clock::now(), profile_cache_grace);
    if (!body)
      return std::nullopt;
    return http_response{200, "application/json", std::move(*body), {}};
  };
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, identity, r.body, r.auth,
                r.method == std::string_view{"GET"} &&
                        r.pattern == std::string_view{"/api/v1/users/me"}
                    ? inline_handler{cached_me}
                    : inline_handler{});
  describe(a);
  a.add_push({"user.updated", {}, {}});
  // Console commands answered by the same routes.
  a.add_command({"me", {}, "your account", via_route(identity, "GET", "/api/v1/users/me")});
  a.add_command({"sessions",
                 {},
                 "your signed-in sessions",
                 via_route(identity, "GET", "/api/v1/auth/sessions")});
  a.add_command({"logout",
                 {},
                 "sign out: ends this session",
                 via_route(identity, "POST", "/api/v1/auth/logout")});
}

} // namespace gh::identity
