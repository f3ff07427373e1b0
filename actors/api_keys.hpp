#pragma once

#include "actors/key_scopes.hpp"
#include "actors/replies.hpp"
#include "persistence/cache.hpp"
#include "persistence/sql.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gh {
class app;
} // namespace gh

/// Admin API keys (`Authorization: ApiKey <key>`) as every capability with admin routes checks
/// them: the scope rules and the per-request check against PostgreSQL and Redis.
namespace gh::api_keys {

/// Who is calling, once the key checked out.
struct caller {
  std::string key_id; ///< empty for the bootstrap key
  std::vector<std::string> scopes;

  bool bootstrap() const noexcept { return key_id.empty(); }

  /// The `actor` of the audit rows this caller writes.
  std::string actor() const { return bootstrap() ? "bootstrap" : "api_key:" + key_id; }
};

/// One route served with an API key: the key must carry `scope`. Such routes use the gateway's
/// `optional` auth policy, which hands the actor the presented key as it is.
struct key_route {
  const char* method;
  const char* pattern;
  body_kind body;
  const char* scope;
};

/// Answers 401 with `WWW-Authenticate: ApiKey`.
void unauthorized(const replies::req_ptr& r, std::string detail);

/// `SELECT` of whether any key is live: while none is, the bootstrap key is accepted.
inline constexpr std::string_view any_live_key_sql =
    "SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)::text";

/// What the check needs; every pointer outlives the actors using it.
struct checker_options {
  db::database* db = nullptr;
  redis::redis_actor redis;
  /// `GATEHOUSE_BOOTSTRAP_ADMIN_KEY`: accepted, with every scope, only while no live key
  /// exists; empty when unset.
  std::string bootstrap_key;
  /// Wrong keys per client address and window before the address gets 429 for the window.
  int64_t failed_keys_per_ip = 20;
  std::chrono::seconds window{60};
  std::chrono::milliseconds db_timeout{5000};
};

/// The check's settings in a Gatehouse process (`GATEHOUSE_BOOTSTRAP_ADMIN_KEY`, the rate
/// window, the shared database and Redis).
checker_options options_for(const app& a);

/// Checks the key a request presents. The key is looked up by its SHA-256 in PostgreSQL (off
/// the io threads); wrong keys are counted per client address in Redis.
class checker {
public:
  explicit checker(checker_options options) : opt_(std::move(options)) {}

  /// Checks `r`'s key and the scope `needed`, then calls `next(caller)` in `self`'s context.
  /// Answers 401 when no key was presented or it is wrong (counted), 403 for a right key
  /// without the scope, 429 while the client's address has spent its wrong keys for the
  /// window.
  void check(caf::event_based_actor* self, const replies::req_ptr& r, std::string_view needed,
             std::function<void(const caller&)> next) const;

  /// Finds `r`'s entry in `routes` (404 when there is none), checks the key and the entry's
  /// scope as `check` does, then calls `serve(caller)` in `self`'s context.
  void check_route(caf::event_based_actor* self, const std::vector<key_route>& routes,
                   const replies::req_ptr& r, std::function<void(const caller&)> serve) const;

private:
  void look_up(caf::event_based_actor* self, const replies::req_ptr& r, const std::string& needed,
               const std::string& fail_key, std::function<void(const caller&)> next) const;
  void key_failed(caf::event_based_actor* self, const replies::req_ptr& r,
                  const std::string& fail_key) const;

  checker_options opt_;
};

} // namespace gh::api_keys
