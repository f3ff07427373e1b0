// Gatehouse: the process entry point. Reads the configuration, builds the shared parts
// (actor system, PostgreSQL pool, Redis, NATS, registry, sinks, metrics), installs every
// capability module, serves, and shuts down; the only code no test links. What a capability
// does lives in its module, `actors/<capability>/<capability>_module.hpp`.

#include "actors/admin/admin_module.hpp"
#include "actors/app.hpp"
#include "actors/console/console_module.hpp"
#include "actors/events/dlq_command.hpp"
#include "actors/events/events_module.hpp"
#include "actors/federation/federation_module.hpp"
#include "actors/files/files_module.hpp"
#include "actors/identity/identity_module.hpp"
#include "actors/ops/ops_module.hpp"
#include "actors/orgs/orgs_module.hpp"
#include "actors/payments/payments_module.hpp"
#include "actors/payments/reconcile_command.hpp"
#include "actors/records/records_module.hpp"
#include "actors/registry.hpp"
#include "actors/telegram/telegram_module.hpp"
#include "actors/webhooks/webhooks_module.hpp"
#include "config/loader.hpp"
#include "config/log.hpp"
#include "crypto/crypto.hpp"
#include "gateway/auth.hpp"
#include "gateway/context.hpp"
#include "gateway/proxy.hpp"
#include "gateway/server.hpp"
#include "gateway/storage_stream.hpp"
#include "messages/type_ids.hpp"
#include "persistence/health.hpp"
#include "persistence/jetstream/lease_store.hpp"
#include "persistence/jetstream/micro_service.hpp"
#include "persistence/jetstream/nats_bus.hpp"
#include "persistence/jetstream/owner_link.hpp"
#include "persistence/postgres/connect.hpp"
#include "persistence/postgres/migrations.hpp"
#include "persistence/postgres/pg_database.hpp"
#include "persistence/postgres/pg_pool.hpp"
#include "persistence/redis/redis_client.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view version = "0.1.0";

constexpr std::string_view usage = R"(usage: gatehouse [command]

commands:
  serve          apply migrations, then serve HTTP and WebSocket (default)
  migrate        apply the database migrations and exit
  check-config   validate the configuration and exit
  dlq list       print the dead letters (one JSON object per line)
  dlq replay ID  publish dead letter ID (or `all`) on its original subject again and
                 remove it from the DLQ stream
  stripe reconcile [--days N]
                 queue every Stripe event of the last N days (default 3) that failed to
                 reach Gatehouse, or that the payment workers apply, and was not queued yet
  version        print the version

Configuration comes from the environment (and ./.env in development); see README.md.
)";

/// The capabilities, in the order they are installed (routes are matched in this order).
constexpr void (*modules[])(gh::app&) = {
    &gh::ops::install,     &gh::identity::install, &gh::admin::install,      &gh::payments::install,
    &gh::records::install, &gh::orgs::install,     &gh::webhooks::install,   &gh::files::install,
    &gh::events::install,  &gh::telegram::install, &gh::federation::install, &gh::console::install,
};

/// The key material of `GATEHOUSE_SECRETS_KEY`, or (development) of a key file generated under
/// the data dir on first start.
std::string secrets_key_material(const gh::config::settings& s) {
  if (!s.secrets_key.empty())
    return s.secrets_key.reveal();
  namespace fs = std::filesystem;
  const fs::path dir = fs::path{s.data_dir} / "keys";
  const auto path = dir / "secrets.key";
  if (!fs::exists(path)) {
    fs::create_directories(dir);
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    out << gh::crypto::random_token(32);
    if (!out)
      throw std::runtime_error("cannot write " + path.string());
  }
  std::ifstream in{path, std::ios::binary};
  std::string material{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  if (material.size() < 32)
    throw std::runtime_error(path.string() + " holds less than 32 characters");
  return material;
}

/// The NATS KV bucket of ownership leases, and how long a lease outlives its owner's last
/// renewal (the owner renews it three times as often).
constexpr std::string_view lease_bucket = "gatehouse_leases";
constexpr std::chrono::milliseconds lease_ttl{6000};
/// How long a message forwarded to its actor's owner waits for the answer.
constexpr std::chrono::milliseconds forward_timeout{30000};

/// Places per-user actors across instances (DESIGN.md "Growing past one machine"): opens the
/// lease bucket and this instance's owner link, and hands both to the registry. Both are kept
/// in `survivors` (actors point at them); the link is returned so that it can close before
/// the NATS connection does. Null when NATS refuses: then every instance runs the actors it is
/// asked for, as a single instance does.
std::shared_ptr<gh::nats::owner_link>
start_placement(gh::nats::bus& bus, const caf::actor& registry, gh::user_sinks& sinks,
                const std::string& instance, std::vector<std::shared_ptr<void>>& keep) {
  std::string error;
  std::shared_ptr<gh::nats::lease_store> leases =
      gh::nats::lease_store::open(bus.connection(), std::string{lease_bucket}, lease_ttl, error);
  std::shared_ptr<gh::nats::owner_link> link;
  if (leases)
    link = gh::nats::owner_link::open(
        bus.connection(), instance, gh::registry_request_sink(registry),
        gh::registry_answer_sink(registry),
        [&sinks](const std::string& user, const std::string& frame) { sinks.push(user, frame); },
        error);
  if (!leases || !link) {
    gh::log::warn("per-user actors are not placed across instances", {{"reason", error}});
    return nullptr;
  }
  keep.push_back(leases);
  keep.push_back(link);
  sinks.set_relay([raw = link.get()](const std::string& user, const std::string& frame) {
    raw->relay(user, frame);
  });
  gh::registry_placement placement;
  placement.leases = leases.get();
  placement.channel = link.get();
  placement.instance = instance;
  placement.renew_interval = lease_ttl / 3;
  placement.remote_timeout = forward_timeout;
  caf::anon_send(registry, gh::add_atom_v, std::move(placement));
  return link;
}

/// Ends placement before the NATS connection closes: nothing more arrives for this instance's
/// actors, and its leases are given up so that other instances take them at once.
void end_placement(caf::actor_system& sys, const caf::actor& registry,
                   const std::shared_ptr<gh::nats::owner_link>& link) {
  if (!link)
    return;
  link->close();
  caf::scoped_actor self{sys};
  self->request(registry, std::chrono::seconds{6}, gh::release_atom_v)
      .receive([](bool) {}, [](const caf::error&) {});
}

bool migrate(const gh::config::settings& s) {
  auto conn = gh::pg::connect_with_patience(s.database_url, std::chrono::seconds{30});
  if (!conn) {
    gh::log::error("cannot connect to PostgreSQL (DATABASE_URL) to apply migrations");
    return false;
  }
  try {
    auto report = gh::pg::apply_migrations(*conn, gh::pg::embedded_migrations());
    for (const auto& name : report.applied)
      gh::log::info("migration applied", {{"migration", name}});
    gh::log::info("schema up to date", {{"applied", report.applied.size()},
                                        {"already_applied", report.already_applied}});
    return true;
  } catch (const std::exception& e) {
    gh::log::error("migration failed", {{"error", e.what()}});
    return false;
  }
}

int serve(const gh::config::settings& s) {
  if (!migrate(s))
    return 1;

  // Access-token keys: configured files, or (development) keys generated under the data dir.
  std::vector<gh::jwt::signing_key> keys;
  try {
    keys = gh::jwt::load_signing_keys(s.jwt_signing_key_files,
                                      s.production() ? std::string{} : s.data_dir + "/keys");
  } catch (const std::exception& e) {
    gh::log::error("cannot load the JWT signing keys", {{"error", e.what()}});
    return 1;
  }
  if (keys.empty()) {
    gh::log::error("no JWT signing key (JWT_SIGNING_KEY_FILE)");
    return 1;
  }
  const gh::jwt::key_ring key_ring{std::move(keys), s.public_url, s.public_url};
  std::string secrets_key;
  try {
    secrets_key = secrets_key_material(s);
  } catch (const std::exception& e) {
    gh::log::error("cannot load the secrets key", {{"error", e.what()}});
    return 1;
  }
  gh::revocation_list revoked;
  gh::external_tokens external;
  gh::profile_cache profiles;
  const gh::authenticator authenticator{key_ring,
                                        revoked,
                                        gh::cookie_names::for_production(s.production()),
                                        gh::origin_of(s.public_url),
                                        gh::csrf_key_of(secrets_key),
                                        s.gateway.cors_origins,
                                        &external};

  // What actors point at outlives the actor system: declared before it, destroyed after it.
  std::vector<std::shared_ptr<void>> survivors;
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(s.actor_threads));
  cfg.set("logger.console", caf::atom("none"));
  // Sharing by default: its idle threads wait on a condition variable, where work stealing's
  // poll (every 50 µs for a while after each message) costs an idle Gatehouse ~4 % of a core and
  // its io threads their time slices; the README's benchmark section has the figures.
  if (!s.actor_work_stealing)
    cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};

  gh::dependency_health health;
  gh::metrics stats;
  gh::user_sinks sinks;
  gh::event_stats events;
  gh::drain_state drain;
  gh::pg::pool pool{sys,
                    s.database_url,
                    {s.pg_pool_size, std::chrono::seconds{30}, std::chrono::seconds{1}},
                    health};
  auto redis = gh::redis::spawn_redis_actor(sys, s.redis, health);
  gh::nats::bus bus{s.nats_url, "gatehouse-" + s.instance_id, health};
  if (!bus.start()) {
    gh::log::error("cannot start the NATS connection (NATS_URL)");
    return 1;
  }
  gh::pg::pg_database database{pool};
  auto registry = gh::spawn_registry(sys, {{}, std::chrono::seconds{1}, &stats});
  auto owner_link = start_placement(bus, registry, sinks, s.instance_id, survivors);

  int rc = 0;
  {
    gh::app app{{&sys, &s, &database, redis, &bus, &health, &stats, &events, &sinks, &revoked,
                 &external, &profiles, &key_ring, &drain, registry, secrets_key,
                 std::string{version}, &survivors}};
    try {
      for (auto* install : modules)
        install(app);
    } catch (const std::exception& e) {
      gh::log::error("cannot start a capability", {{"error", e.what()}});
      rc = 1;
    }
    if (rc == 0) {
      gh::nats::micro_service micro{
          bus.connection(),
          {"gatehouse", s.instance_id, std::string{version}, "Gatehouse secure backend gateway"},
          app.ops_endpoints()};
      if (!micro.start())
        gh::log::warn("cannot subscribe the NATS micro service; $SRV requests go unanswered");
      app.start();

      gh::gateway_context ctx;
      ctx.limits = s.gateway;
      ctx.console = app.console();
      ctx.stats = &stats;
      ctx.sinks = &sinks;
      ctx.drain = &drain;
      ctx.hsts = s.public_url.starts_with("https://");
      ctx.auth = &authenticator;
      for (const auto& r : app.routes())
        ctx.routes.add(r);
      // A revoked session or access token (logout, reuse, password change, disabled or deleted
      // account, here or on another replica) closes its WebSockets at once.
      revoked.on_revoked(
          [&ctx](const std::string& id) { ctx.ws_sessions.close_all(id, "session revoked"); });
      // A prefix must not hide Gatehouse's own routes.
      for (const auto& u : s.upstreams)
        for (const auto& pattern : [&] {
               std::vector<std::string> own{ctx.ws_path, "/storage/{token}"};
               for (const auto& r : app.routes())
                 own.push_back(r.pattern);
               return own;
             }())
          if (pattern == u.prefix || pattern.starts_with(u.prefix + "/")) {
            gh::log::error("an upstream prefix covers a Gatehouse route",
                           {{"variable", "UPSTREAM_" + u.name + "_PREFIX"},
                            {"prefix", u.prefix},
                            {"route", pattern}});
            rc = 1;
          }
      if (!s.upstreams.empty()) {
        ctx.proxy = std::make_shared<gh::proxy_table>(
            s.upstreams, &key_ring, s.rate_window,
            s.public_url.starts_with("https://") ? "https" : "http");
        stats.add_collector([table = ctx.proxy](std::string& out) { table->render(out); });
        for (const auto& u : s.upstreams)
          gh::log::info("proxy upstream", {{"name", u.name}, {"prefix", u.prefix}, {"url", u.url}});
      }
      if (app.local_storage()) {
        gh::storage_stream_limits limits;
        limits.stall_timeout = s.gateway.read_timeout;
        ctx.storage = std::make_shared<gh::storage_streams>(app.local_storage(), limits);
      }
      if (rc == 0) {
        gh::server front{ctx};
        try {
          auto bound = front.bind(s.listen.host, s.listen.port);
          front.run([&] {
            const auto url = "http://" + s.listen.host + ":" + std::to_string(bound.port());
            gh::log::info("gatehouse listening",
                          {{"url", url},
                           {"instance", s.instance_id},
                           {"mode", s.production() ? "production" : "development"}});
            gh::log::flush();
            std::cout << "Gatehouse listening on " << url << std::endl;
          });
        } catch (const std::exception& e) {
          gh::log::error("cannot listen",
                         {{"address", s.listen.host + ":" + std::to_string(s.listen.port)},
                          {"error", e.what()}});
          rc = 1;
        }
        // Disk work posts back onto io strands: it ends before the io_context does.
        if (ctx.storage)
          ctx.storage->stop();
      }
      revoked.on_revoked({});
      ctx.console = nullptr;
      ctx.routes = {};
      // The modules' background actors use the NATS connection: they end before it closes.
      app.stop();
      micro.stop();
    }
    app.stop();
  }
  end_placement(sys, registry, owner_link);
  bus.close();
  pool.stop();
  // Release every handle before the system's destructor waits for the actors.
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(redis, caf::exit_reason::user_shutdown);
  registry = nullptr;
  redis = nullptr;
  gh::log::info("gatehouse stopped");
  gh::log::flush();
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "serve";
  if (command == "version" || command == "--version") {
    std::cout << "gatehouse " << version << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << usage;
    return 0;
  }
  if (command != "serve" && command != "migrate" && command != "check-config" && command != "dlq" &&
      command != "stripe") {
    std::cerr << "gatehouse: unknown command '" << command << "'\n" << usage;
    return 2;
  }

  std::vector<gh::config::config_error> errors;
  auto env = gh::config::process_environment(".env", errors);
  auto loaded = gh::config::load_settings(env, gh::config::read_whole_file);
  if (auto* problems = std::get_if<std::vector<gh::config::config_error>>(&loaded))
    errors.insert(errors.end(), problems->begin(), problems->end());
  if (!errors.empty()) {
    std::cerr << "gatehouse: " << gh::config::describe(errors);
    return 2;
  }
  const auto& s = std::get<gh::config::settings>(loaded);
  gh::log::configure(s.level, s.format);

  if (command == "check-config") {
    std::cout << "configuration is valid\n";
    return 0;
  }
  if (command == "migrate")
    return migrate(s) ? 0 : 1;
  if (command == "dlq") {
    const int rc = gh::events::dlq_command(s, argc, argv);
    nats_Close();
    return rc;
  }
  if (command == "stripe")
    return gh::payments::reconcile_command(s, argc, argv);
  const int rc = serve(s);
  nats_Close();
  return rc;
}
