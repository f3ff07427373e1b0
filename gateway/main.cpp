// Gatehouse: the process entry point. Wires the concrete implementations (PostgreSQL pool,
// Redis, NATS) to the actors and the front actor; the only code no test links.

#include "actors/events/dead_letters.hpp"
#include "actors/events/event_stats.hpp"
#include "actors/events/handlers.hpp"
#include "actors/events/outbox_relay.hpp"
#include "actors/events/push.hpp"
#include "actors/events/worker.hpp"
#include "actors/identity/crypto.hpp"
#include "actors/metrics.hpp"
#include "actors/payments/checkout_flow.hpp"
#include "actors/payments/reconcile.hpp"
#include "actors/payments/webhook_worker.hpp"
#include "actors/registry.hpp"
#include "actors/services/admin.hpp"
#include "actors/services/console.hpp"
#include "actors/services/hasher.hpp"
#include "actors/services/identity.hpp"
#include "actors/services/ops.hpp"
#include "actors/services/payments.hpp"
#include "actors/services/stripe_webhooks.hpp"
#include "actors/user_sinks.hpp"
#include "config/loader.hpp"
#include "config/log.hpp"
#include "gateway/context.hpp"
#include "gateway/server.hpp"
#include "messages/type_ids.hpp"
#include "persistence/health.hpp"
#include "persistence/jetstream/micro_service.hpp"
#include "persistence/jetstream/nats_bus.hpp"
#include "persistence/postgres/migrations.hpp"
#include "persistence/postgres/pg_database.hpp"
#include "persistence/postgres/pg_pool.hpp"
#include "persistence/redis/redis_client.hpp"
#include "providers/smtp/mailer.hpp"
#include "providers/stripe/callers.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <pqxx/connection>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string_view>
#include <thread>

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

/// Connects to PostgreSQL, retrying for up to `patience` while it starts.
std::unique_ptr<pqxx::connection> connect_with_patience(const gh::config::secret& url,
                                                        std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    try {
      return std::make_unique<pqxx::connection>(url.reveal());
    } catch (const std::exception&) {
      // libpq's message may quote the connection string: report only that it failed.
      if (std::chrono::steady_clock::now() >= deadline)
        return nullptr;
      std::this_thread::sleep_for(std::chrono::milliseconds{250});
    }
  }
}

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

bool migrate(const gh::config::settings& s) {
  auto conn = connect_with_patience(s.database_url, std::chrono::seconds{30});
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

/// `gatehouse dlq list|replay ID|replay all`: the dead letters of the worker actors.
int dead_letters_command(const gh::config::settings& s, int argc, char** argv) {
  const std::string_view action = argc > 2 ? argv[2] : "";
  const std::string_view target = argc > 3 ? argv[3] : "";
  if (action != "list" && !(action == "replay" && !target.empty())) {
    std::cerr << "gatehouse: usage: gatehouse dlq list | gatehouse dlq replay ID|all\n";
    return 2;
  }
  natsConnection* conn = nullptr;
  if (natsConnection_ConnectTo(&conn, s.nats_url.reveal().c_str()) != NATS_OK) {
    std::cerr << "gatehouse: cannot connect to NATS (NATS_URL)\n";
    return 1;
  }
  jsCtx* js = nullptr;
  int rc = 0;
  if (natsConnection_JetStream(&js, conn, nullptr) != NATS_OK) {
    std::cerr << "gatehouse: JetStream is not available\n";
    rc = 1;
  } else if (action == "list") {
    for (const auto& e : gh::events::list_dead_letters(js, 100000)) {
      boost::json::object o{{"sequence", e.sequence}, {"subject", e.original_subject},
                            {"consumer", e.consumer}, {"deliveries", e.deliveries},
                            {"error", e.error},       {"body", e.body}};
      std::cout << boost::json::serialize(o) << "\n";
    }
  } else {
    std::vector<uint64_t> sequences;
    if (target == "all") {
      for (const auto& e : gh::events::list_dead_letters(js, 100000))
        sequences.push_back(e.sequence);
    } else {
      uint64_t seq = 0;
      const auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(), seq);
      if (ec != std::errc{} || end != target.data() + target.size() || seq == 0) {
        std::cerr
            << "gatehouse: a dead letter ID is a positive number (see `gatehouse dlq list`)\n";
        rc = 2;
      } else {
        sequences.push_back(seq);
      }
    }
    for (auto seq : sequences) {
      if (gh::events::replay_dead_letter(js, seq)) {
        std::cout << "replayed " << seq << "\n";
      } else {
        std::cerr << "gatehouse: cannot replay dead letter " << seq << "\n";
        rc = 1;
      }
    }
  }
  if (js != nullptr)
    jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
  return rc;
}

/// The Stripe client of the configuration, or null without `STRIPE_SECRET_KEY`.
std::shared_ptr<gh::stripe::client> stripe_client_of(const gh::config::settings& s) {
  if (s.stripe_secret_key.empty())
    return nullptr;
  gh::stripe::client_options o;
  o.api_base = s.stripe_api_base;
  o.secret_key = s.stripe_secret_key;
  return std::make_shared<gh::stripe::client>(std::move(o));
}

/// `gatehouse stripe reconcile [--days N]`.
int stripe_command(const gh::config::settings& s, int argc, char** argv) {
  const std::string_view action = argc > 2 ? argv[2] : "";
  int days = 3;
  bool usage_ok = action == "reconcile" && (argc == 3 || argc == 5);
  if (usage_ok && argc == 5) {
    const std::string_view flag = argv[3];
    const std::string_view value = argv[4];
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), days);
    usage_ok = flag == "--days" && ec == std::errc{} && end == value.data() + value.size() &&
               days >= 1 && days <= 30;
  }
  if (!usage_ok) {
    std::cerr << "gatehouse: usage: gatehouse stripe reconcile [--days N] (1 <= N <= 30)\n";
    return 2;
  }
  auto client = stripe_client_of(s);
  if (!client || !client->usable()) {
    std::cerr << "gatehouse: payments are not configured (STRIPE_SECRET_KEY, STRIPE_API_BASE)\n";
    return 1;
  }
  auto conn = connect_with_patience(s.database_url, std::chrono::seconds{10});
  if (!conn) {
    std::cerr << "gatehouse: cannot connect to PostgreSQL (DATABASE_URL)\n";
    return 1;
  }
  const auto report = gh::payments::reconcile(
      *client, *conn, "00000000-0000-0000-0000-000000000001", std::chrono::hours{24 * days});
  boost::json::object o{{"listed", report.listed},
                        {"queued", report.queued},
                        {"refused", report.refused},
                        {"complete", report.complete}};
  if (!report.complete)
    o["error"] = report.error;
  std::cout << boost::json::serialize(o) << "\n";
  return report.complete ? 0 : 1;
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
  std::string sealing_key;
  try {
    sealing_key =
        gh::crypto::hkdf_sha256(secrets_key_material(s), "gatehouse sealed secrets v1", 32);
  } catch (const std::exception& e) {
    gh::log::error("cannot load the secrets key", {{"error", e.what()}});
    return 1;
  }
  gh::revocation_list revoked;
  const auto cookies = gh::cookie_names::for_production(s.production());
  const gh::authenticator authenticator{key_ring, revoked, cookies, gh::origin_of(s.public_url)};
  // Make the dummy hash now, not during the first login.
  (void)gh::credentials::dummy_hash();

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(s.actor_threads));
  cfg.set("logger.console", caf::atom("none"));
  // Actors hold pointers to the Stripe callers until the system has stopped them all, so the
  // callers object outlives the system (its caller actors are stopped explicitly below).
  std::unique_ptr<gh::stripe::callers> stripe_callers_holder;
  caf::actor_system sys{cfg};

  gh::dependency_health health;
  gh::metrics stats;
  gh::user_sinks sinks;

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
  gh::event_stats events;
  // The event pipeline: the relay publishes the outbox, workers consume it, push reaches
  // WebSockets. The consumers' figures exist before the stats endpoint can read them. With no
  // SMTP_URL, mail is written under the data dir.
  std::unique_ptr<gh::smtp::mailer> mailer =
      s.smtp_url.empty()
          ? gh::smtp::make_directory_mailer(std::filesystem::path{s.data_dir} / "outbox-mail")
          : gh::smtp::make_smtp_mailer(s.smtp_url, std::chrono::seconds{20});
  // Stripe: a shared client behind caller actors for the services; the workers and the
  // reconcile job use it directly from their own threads.
  auto stripe_client = stripe_client_of(s);
  if (stripe_client && !stripe_client->usable()) {
    gh::log::error("STRIPE_API_BASE is not usable (https, or http towards loopback only)");
    return 1;
  }
  stripe_callers_holder = std::make_unique<gh::stripe::callers>(sys, stripe_client, 4);
  auto& stripe_callers = *stripe_callers_holder;
  std::vector<gh::events::consumer_spec> consumers{
      gh::events::email_consumer({mailer.get(), s.email_from}), gh::events::welcome_consumer(),
      gh::payments::stripe_consumer(stripe_client.get())};
  for (const auto& c : consumers)
    (void)events.consumer(c.name);
  gh::nats::micro_service micro{
      bus.connection(),
      {"gatehouse", s.instance_id, std::string{version}, "Gatehouse secure backend gateway"},
      {{"health", "gatehouse.ops.health",
        [&health](std::string_view) {
          return gh::nats::endpoint_reply{gh::readiness_json(health), 0, {}};
        }},
       {"stats", "gatehouse.ops.stats", [&](std::string_view) {
          return gh::nats::endpoint_reply{
              gh::stats_json(health, stats, events, s.instance_id), 0, {}};
        }}}};
  if (!micro.start())
    gh::log::warn("cannot subscribe the NATS micro service; $SRV requests go unanswered");

  std::vector<caf::actor> event_actors;
  event_actors.push_back(gh::events::spawn_outbox_relay(
      sys, {s.database_url, bus.connection(), &events, 1000, std::chrono::milliseconds{500},
            std::chrono::hours{24 * 7}, std::chrono::milliseconds{5000}}));
  for (auto& c : consumers)
    event_actors.push_back(gh::events::spawn_worker(
        sys, {s.database_url, bus.connection(), &events, std::chrono::milliseconds{500}},
        std::move(c)));
  if (stripe_client)
    event_actors.push_back(
        gh::payments::spawn_reconciler(sys, {s.database_url, stripe_client.get()}));

  gh::pg::pg_database database{pool};
  gh::registry_options registry_opts{{}, std::chrono::seconds{1}, &stats};
  registry_opts.kinds.emplace(
      std::string{gh::payments::checkout_kind},
      gh::payments::checkout_flow_kind({&database, &stripe_callers, &sinks}));
  auto registry = gh::spawn_registry(sys, std::move(registry_opts));
  gh::events::user_push push{
      bus.connection(), sinks, &events,
      [registry](const std::string& user, const std::string& checkout, const std::string& frame) {
        caf::anon_send(registry, gh::forward_atom_v,
                       gh::user_key{std::string{gh::payments::checkout_kind}, user, checkout},
                       caf::make_message(gh::refresh_atom_v, frame));
      }};
  if (!push.start())
    gh::log::warn("cannot subscribe to user events; WebSockets get no pushed events");

  auto ops = gh::spawn_ops(sys, {&health, &stats, std::string{version}, s.instance_id});
  auto console = gh::spawn_console(sys, s.gateway.ws_message_limit, &stats);

  gh::identity_options identity_opts;
  identity_opts.db = &database;
  identity_opts.redis = redis;
  for (unsigned i = 0; i < std::max(1U, std::thread::hardware_concurrency()); ++i)
    identity_opts.hashers.push_back(gh::spawn_hasher(sys, {}));
  identity_opts.keys = &key_ring;
  identity_opts.revoked = &revoked;
  identity_opts.cookies = cookies;
  identity_opts.secure_cookies = s.public_url.starts_with("https://");
  const auto public_base =
      s.public_url.ends_with('/') ? s.public_url.substr(0, s.public_url.size() - 1) : s.public_url;
  identity_opts.public_url = public_base;
  identity_opts.sealing_key = sealing_key;
  identity_opts.access_ttl = std::chrono::duration_cast<std::chrono::seconds>(s.access_token_ttl);
  identity_opts.limits.login_attempts_per_ip = s.login_rate;
  identity_opts.limits.registrations_per_ip = s.register_rate;
  identity_opts.limits.window = std::max(
      std::chrono::seconds{1}, std::chrono::duration_cast<std::chrono::seconds>(s.rate_window));
  auto hashers = identity_opts.hashers;
  auto identity = gh::spawn_identity(sys, std::move(identity_opts));

  gh::admin_options admin_opts;
  admin_opts.db = &database;
  admin_opts.redis = redis;
  admin_opts.revoked = &revoked;
  admin_opts.bootstrap_key = s.bootstrap_admin_key.reveal();
  admin_opts.access_ttl = std::chrono::duration_cast<std::chrono::seconds>(s.access_token_ttl);
  admin_opts.window = std::max(std::chrono::seconds{1},
                               std::chrono::duration_cast<std::chrono::seconds>(s.rate_window));
  admin_opts.stripe = &stripe_callers;
  auto admin = gh::spawn_admin(sys, std::move(admin_opts));

  gh::payments_options payments_opts;
  payments_opts.db = &database;
  payments_opts.stripe = &stripe_callers;
  payments_opts.registry = registry;
  payments_opts.public_url = public_base;
  auto payments = gh::spawn_payments(sys, std::move(payments_opts));

  gh::stripe_webhook_options webhook_opts;
  webhook_opts.db = &database;
  for (const auto& secret : s.stripe_webhook_secrets)
    webhook_opts.secrets.push_back(secret.reveal());
  auto stripe_webhooks = gh::spawn_stripe_webhooks(sys, std::move(webhook_opts));

  gh::gateway_context ctx;
  ctx.limits = s.gateway;
  ctx.console = console;
  ctx.stats = &stats;
  ctx.sinks = &sinks;
  ctx.hsts = s.public_url.starts_with("https://");
  ctx.auth = &authenticator;
  for (const char* path : {"/healthz", "/readyz", "/metrics"})
    ctx.routes.add({"GET", path, ops, gh::body_kind::none, stats.add_route("GET", path)});
  for (const auto& r : gh::identity_routes()) {
    const std::string_view auth = r.auth;
    ctx.routes.add({r.method, r.pattern, identity,
                    r.json_body ? gh::body_kind::json : gh::body_kind::none,
                    stats.add_route(r.method, r.pattern),
                    auth == "user"       ? gh::auth_policy::user
                    : auth == "optional" ? gh::auth_policy::optional
                                         : gh::auth_policy::none});
  }
  for (const auto& r : gh::payments_routes())
    ctx.routes.add({r.method, r.pattern, payments,
                    r.json_body ? gh::body_kind::json : gh::body_kind::none,
                    stats.add_route(r.method, r.pattern), gh::auth_policy::user});
  // Stripe signs its webhooks; the receiver checks the signature over the raw body itself.
  ctx.routes.add({"POST", "/webhooks/stripe", stripe_webhooks, gh::body_kind::json,
                  stats.add_route("POST", "/webhooks/stripe"), gh::auth_policy::none});
  // Admin routes take the presented ApiKey as is; the admin actor verifies it and answers 401.
  for (const auto& r : gh::admin_routes())
    ctx.routes.add({r.method, r.pattern, admin,
                    r.json_body ? gh::body_kind::json : gh::body_kind::none,
                    stats.add_route(r.method, r.pattern), gh::auth_policy::optional});

  int rc = 0;
  {
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
      gh::log::error(
          "cannot listen",
          {{"address", s.listen.host + ":" + std::to_string(s.listen.port)}, {"error", e.what()}});
      rc = 1;
    }
  }

  // Release every actor before the system's destructor waits for them. The event actors use
  // the NATS connection, so they finish before it closes.
  {
    caf::scoped_actor self{sys};
    for (const auto& a : event_actors)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    for (const auto& a : event_actors)
      self->wait_for(a);
  }
  event_actors.clear();
  push.stop();
  stripe_callers.stop();
  micro.stop();
  bus.close();
  pool.stop();
  for (const caf::actor& a :
       {caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(ops),
        caf::actor_cast<caf::actor>(console), caf::actor_cast<caf::actor>(identity),
        caf::actor_cast<caf::actor>(admin), caf::actor_cast<caf::actor>(redis),
        caf::actor_cast<caf::actor>(stripe_webhooks), caf::actor_cast<caf::actor>(payments)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (const auto& h : hashers)
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  hashers.clear();
  identity = nullptr;
  admin = nullptr;
  stripe_webhooks = nullptr;
  payments = nullptr;
  redis = nullptr;
  ctx.console = nullptr;
  ctx.routes = {};
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
    const int rc = dead_letters_command(s, argc, argv);
    nats_Close();
    return rc;
  }
  if (command == "stripe")
    return stripe_command(s, argc, argv);
  const int rc = serve(s);
  nats_Close();
  return rc;
}
