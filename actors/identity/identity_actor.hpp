#pragma once

#include "actors/cookies.hpp"
#include "actors/identity/hasher.hpp"
#include "actors/profile_cache.hpp"
#include "actors/revocations.hpp"
#include "crypto/jwt.hpp"
#include "messages/http.hpp"
#include "persistence/cache.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gh::identity {

/// How long a profile read is served again (here and by the gateway's io threads), so a
/// change made through another replica shows within it (and the read that refreshes it, which
/// `profile_cache_grace` bounds).
constexpr auto profile_cache_ttl = std::chrono::seconds{2};
/// How long past that the io threads keep answering with a profile while one request reads it
/// again (profile_cache::serve): normally the few milliseconds the read takes.
constexpr auto profile_cache_grace = std::chrono::seconds{1};

/// Limits of the identity endpoints per window (Redis counters that expire with the window).
struct identity_limits {
  std::chrono::seconds window{60};
  int64_t login_failures_per_identifier = 5;
  int64_t login_attempts_per_ip = 30;
  int64_t registrations_per_ip = 10;
  int64_t refreshes_per_ip = 60;
  /// Reset links requested per email address (each also counts against `registrations_per_ip`).
  int64_t resets_per_identifier = 3;
  /// TOTP enable/disable attempts per user.
  int64_t totp_attempts_per_user = 5;
};

/// What the identity actor works with; every pointer outlives the actor.
struct identity_options {
  db::database* db = nullptr;
  /// Profiles read recently; the gateway answers `GET /users/me` from it too.
  profile_cache* profiles = nullptr; ///< the process's `/users/me` bodies (`app::profiles`)
  redis::redis_actor redis;
  std::vector<hasher_actor> hashers;
  const jwt::key_ring* keys = nullptr;
  revocation_list* revoked = nullptr;
  cookie_names cookies;
  bool secure_cookies = false;
  /// `GATEHOUSE_PUBLIC_URL`: where reset links point.
  std::string public_url = "http://127.0.0.1:8080";
  /// Derives each session's CSRF token (`csrf_token`).
  std::string csrf_key;
  /// 32 bytes sealing TOTP secrets at rest (`crypto::seal`).
  std::string sealing_key;
  /// 32 bytes sealing, in a rotated refresh token's row, the pair its rotation answered.
  std::string refresh_sealing_key;
  /// How long a rotated refresh token answers with that same pair instead of counting as reuse.
  std::chrono::milliseconds refresh_grace{5000};
  /// How long a password-reset link works.
  std::chrono::seconds reset_ttl{30 * 60};
  std::string default_tenant = "00000000-0000-0000-0000-000000000001";
  std::chrono::seconds access_ttl{15 * 60};
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};
  std::chrono::milliseconds db_timeout{5000};
  /// Password hashes queued at most per hashing worker; beyond it logins get 503 at once.
  std::size_t hash_queue_per_worker = 32;
  identity_limits limits;
  /// Unix seconds; injectable for tests.
  std::function<int64_t()> now;
};

/// The identity service: register, login (with TOTP or a recovery code when two-factor is on),
/// refresh, logout, status, password change and reset, TOTP set-up, sessions, the caller's
/// profile and account deletion, and the JWKS. Passwords are hashed on the `hashers` (detached
/// threads), never on the io threads or the scheduler; rate limits and revocations live in
/// Redis; accounts, sessions and the audit log in PostgreSQL.
http_handler_actor spawn_identity(caf::actor_system& sys, identity_options options);

/// One route of the identity actor.
struct route_entry {
  const char* method;
  const char* pattern;
  body_kind body;
  auth_policy auth;
};

/// The routes the identity actor serves.
const std::vector<route_entry>& routes();

} // namespace gh::identity
