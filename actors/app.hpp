#pragma once

#include "actors/external_tokens.hpp"
#include "actors/profile_cache.hpp"

#include "actors/commands.hpp"
#include "actors/consumer.hpp"
#include "actors/drain_state.hpp"
#include "actors/event_stats.hpp"
#include "actors/metrics.hpp"
#include "actors/revocations.hpp"
#include "actors/user_sinks.hpp"
#include "config/settings.hpp"
#include "crypto/jwt.hpp"
#include "messages/http.hpp"
#include "messages/user_key.hpp"
#include "messages/ws.hpp"
#include "persistence/cache.hpp"
#include "persistence/health.hpp"
#include "persistence/service_endpoint.hpp"
#include "persistence/sql.hpp"

#include <boost/json/object.hpp>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gh::nats {
class bus;
} // namespace gh::nats

namespace gh::storage {
class local_store;
} // namespace gh::storage

namespace gh {

/// A job a capability runs periodically: `run` is called on a thread of its own (it may
/// block), first one `interval` after start, then every `interval`.
struct schedule_spec {
  std::string name;
  std::chrono::milliseconds interval{60000};
  std::function<void()> run;
};

/// How the OpenAPI document (`GET /openapi.json`) describes one route: JSON Schemas as JSON
/// text (`{"$ref": "#/components/schemas/User"}` names a schema of `app::add_schema`).
struct route_doc {
  std::string method;
  std::string pattern;
  std::string tag;      ///< The capability, e.g. `identity`.
  std::string summary;  ///< One line.
  std::string request;  ///< The JSON body's schema; empty: no body.
  int status = 200;     ///< The success status.
  std::string response; ///< The success body's schema; empty: none.
  /// Who may call: `user`, `optional`, `key` (an admin API key), `signature` (a provider's
  /// signed webhook) or `none`; empty: from the route's auth policy.
  std::string security;
};

/// Hands a pushed frame to the WebSockets of `users`; callable from any thread, any number of
/// times.
using push_deliver = std::function<void(const std::vector<std::string>& users)>;

/// Finds the users who may see an event with `data` and calls `deliver` with them (at most once;
/// never, when nobody may). Called on a NATS delivery thread: it must not block, so a lookup
/// that needs the database sends it to an actor and delivers from there.
using push_audience = std::function<void(const boost::json::object& data, push_deliver deliver)>;

/// An event subject pushed live to its user's WebSockets as `{"event", "data"}` frames (the
/// user is `data.user_id`). With `via_kind`, the frame goes through that user's per-user actor
/// of this kind, keyed by the UUID in `data[key_field]`, as `(refresh_atom, frame)`: the actor
/// takes the change in, then pushes. With `audience`, the frame goes to the users it names
/// instead (an event that several users may see, such as an organization's record).
struct push_spec {
  std::string subject;
  std::string via_kind;
  std::string key_field;
  push_audience audience = {};
};

/// The shared parts of a Gatehouse process, built by `gatehouse serve`; each points at
/// something that outlives every module.
struct shared_parts {
  caf::actor_system* sys = nullptr;
  const config::settings* settings = nullptr;
  db::database* db = nullptr;
  redis::redis_actor redis;
  nats::bus* bus = nullptr;
  dependency_health* health = nullptr;
  metrics* stats = nullptr;
  event_stats* events = nullptr;
  user_sinks* sinks = nullptr;
  revocation_list* revoked = nullptr;
  /// Identity providers' tokens accepted as bearer (filled by the federation module).
  external_tokens* external = nullptr;
  /// Recently read `/users/me` bodies: filled by identity, dropped by whoever changes a user.
  profile_cache* profiles = nullptr;
  const jwt::key_ring* keys = nullptr;
  /// Whether this process is draining (the ops module's `drain` verb sets it).
  drain_state* drain = nullptr;
  /// The registry of per-user actors (`actors/registry.hpp`).
  caf::actor registry;
  /// `GATEHOUSE_SECRETS_KEY` (or the development key file): modules derive their own keys
  /// from it with `crypto::hkdf_sha256` and an info string of their own.
  std::string secrets_key;
  std::string version;
  /// Objects that actors point at, released only after the actor system has ended.
  std::vector<std::shared_ptr<void>>* survivors = nullptr;
};

/// What a capability module is installed into: the shared parts it may use, and the tables
/// where its `install(app&)` registers its routes, JetStream consumers, schedules, per-user
/// actor kinds, NATS ops endpoints, metrics and the actors to stop at shutdown. `gatehouse
/// serve` installs every module, then calls `start()`, serves, and calls `stop()`.
class app {
public:
  explicit app(shared_parts parts);
  ~app();

  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // --- the shared parts ---------------------------------------------------------------------

  caf::actor_system& sys;
  const config::settings& settings;
  db::database& db;
  const redis::redis_actor redis;
  nats::bus* const bus;
  dependency_health& health;
  metrics& stats;
  event_stats& events;
  user_sinks& sinks;
  revocation_list& revoked;
  external_tokens& external;
  profile_cache& profiles;
  const jwt::key_ring& keys;
  drain_state& drain;
  const caf::actor registry;
  const std::string secrets_key;
  const std::string version;

  /// `GATEHOUSE_PUBLIC_URL` without a trailing '/'.
  std::string public_base() const;

  // --- what modules register ----------------------------------------------------------------

  /// Serves `method` + `pattern` with `handler`; reserves the route's metrics slot. `fast`,
  /// when given, answers on the io thread first (see `inline_handler`); the actor gets what it
  /// leaves.
  void add_route(std::string method, std::string pattern, http_handler_actor handler,
                 body_kind body, auth_policy auth, inline_handler fast = {});

  /// Runs a worker for `spec` once the streams exist (see the events module).
  void add_consumer(events::consumer_spec spec);

  /// Runs `spec.run` every `spec.interval` on a thread of its own.
  void add_schedule(schedule_spec spec);

  /// Registers a kind of per-user actor with the registry; call before serving.
  void add_user_actor_kind(const std::string& kind, user_actor_kind spec);

  /// Serves a request/reply endpoint of the NATS micro-service `gatehouse`.
  void add_ops_endpoint(nats::endpoint endpoint);

  /// Describes routes in the OpenAPI document; a route without a description is listed as
  /// `x-undocumented`.
  void add_docs(const std::vector<route_doc>& docs);

  /// A named JSON Schema (JSON text) the route descriptions refer to.
  void add_schema(std::string name, std::string schema);

  /// Pushes the events of `spec.subject` to their users' WebSockets (see the events module).
  void add_push(push_spec spec);

  /// Adds a console command (`/help` lists it; see `actors/commands.hpp`). Call it in `install`:
  /// the console reads the commands once every module is installed.
  void add_command(command_spec spec);

  /// Keeps `object` alive until the actor system has ended: for what actors hold plain pointers
  /// to (a provider client, its caller pool).
  void keep(std::shared_ptr<void> object);

  /// Sets the actor that answers WebSocket frames (the console module's).
  void set_console(console_actor console) { console_ = std::move(console); }

  /// Has the front actor serve `PUT/GET /storage/{token}` from `store` (the files module's
  /// local backend).
  void set_local_storage(std::shared_ptr<const storage::local_store> store) {
    local_storage_ = std::move(store);
  }

  /// Sends `a` an exit at shutdown, after the background actors and the stop hooks.
  void own(caf::actor a);

  /// A detached actor holding connections of its own (NATS, PostgreSQL): sent an exit first
  /// at shutdown and waited for, before the shared connections close.
  void own_background(caf::actor a);

  /// Runs `fn` in `start()`, after every module was installed (hooks in registration order).
  void on_start(std::function<void()> fn);

  /// Runs `fn` in `stop()`, once the background actors ended (hooks in reverse order).
  void on_stop(std::function<void()> fn);

  // --- what the process reads back ----------------------------------------------------------

  const std::vector<route>& routes() const noexcept { return routes_; }
  const std::vector<events::consumer_spec>& consumers() const noexcept { return consumers_; }
  const std::vector<schedule_spec>& schedules() const noexcept { return schedules_; }
  const std::vector<nats::endpoint>& ops_endpoints() const noexcept { return endpoints_; }
  const std::vector<push_spec>& pushes() const noexcept { return pushes_; }
  const std::vector<route_doc>& docs() const noexcept { return docs_; }
  const std::vector<std::pair<std::string, std::string>>& schemas() const noexcept {
    return schemas_;
  }
  const std::vector<command_spec>& commands() const noexcept { return commands_; }
  const console_actor& console() const noexcept { return console_; }
  const std::shared_ptr<const storage::local_store>& local_storage() const noexcept {
    return local_storage_;
  }

  /// Runs the start hooks.
  void start();

  /// Stops what the modules started: background actors (waited for), stop hooks, then exits
  /// to every owned actor; releases every handle, so the actor system can end. Idempotent.
  void stop();

private:
  std::vector<route> routes_;
  std::vector<events::consumer_spec> consumers_;
  std::vector<schedule_spec> schedules_;
  std::vector<nats::endpoint> endpoints_;
  std::vector<push_spec> pushes_;
  std::vector<route_doc> docs_;
  std::vector<std::pair<std::string, std::string>> schemas_;
  std::vector<command_spec> commands_;
  std::vector<std::shared_ptr<void>>* survivors_;
  console_actor console_;
  std::shared_ptr<const storage::local_store> local_storage_;
  std::vector<caf::actor> owned_;
  std::vector<caf::actor> background_;
  std::vector<std::function<void()>> start_hooks_;
  std::vector<std::function<void()>> stop_hooks_;
  bool stopped_ = false;
};

} // namespace gh
