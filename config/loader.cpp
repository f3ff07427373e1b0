#include "config/loader.hpp"

#include "config/dotenv.hpp"
#include "config/oidc.hpp"
#include "config/reader.hpp"
#include "config/upstreams.hpp"
#include "messages/decode.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

namespace gh::config {

namespace {

bool parse_host_port(std::string_view text, host_port& out) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  auto host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']')
      return false;
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto port_text = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 ||
      host.empty())
    return false;
  out.host = std::string{host};
  out.port = static_cast<uint16_t>(port);
  return true;
}

std::string random_instance_id() {
  std::random_device rd;
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  for (int i = 0; i < 12; ++i)
    id.push_back(alphabet[rd() % (sizeof(alphabet) - 1)]);
  return id;
}

void read_general(reader& in, settings& s) {
  if (auto mode = in.get("GATEHOUSE_ENV")) {
    if (*mode == "production")
      s.mode = run_mode::production;
    else if (*mode != "development")
      in.fail("GATEHOUSE_ENV", "must be 'development' or 'production', not '" + *mode + "'");
  }
  if (auto listen = in.get("GATEHOUSE_LISTEN"); listen && !parse_host_port(*listen, s.listen))
    in.fail("GATEHOUSE_LISTEN", "'" + *listen + "' is not host:port");
  if (auto url = in.get("GATEHOUSE_PUBLIC_URL")) {
    auto parsed = boost::urls::parse_absolute_uri(*url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
        parsed->host().empty() || !parsed->encoded_query().empty())
      in.fail("GATEHOUSE_PUBLIC_URL", "'" + *url + "' is not an http(s) origin");
    else
      s.public_url = *url;
    while (s.public_url.size() > 1 && s.public_url.back() == '/')
      s.public_url.pop_back();
  }
  if (auto origins = in.get("GATEHOUSE_CORS_ORIGINS")) {
    for (auto& origin : split_list(*origins)) {
      // An exact origin: scheme, host and optional port; no path, query or trailing slash.
      auto parsed = boost::urls::parse_absolute_uri(origin);
      if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
          parsed->host().empty() || !parsed->encoded_path().empty() || parsed->has_query() ||
          parsed->has_fragment() || parsed->has_userinfo())
        in.fail("GATEHOUSE_CORS_ORIGINS",
                "'" + origin + "' is not an origin (scheme://host[:port], nothing after)");
      else
        s.gateway.cors_origins.push_back(origin);
    }
  }
  if (auto origins = in.get("GATEHOUSE_ALLOWED_REDIRECTS")) {
    for (auto& item : split_list(*origins)) {
      // An origin alone: no path but '/', no query (an absolute URI has no fragment).
      const auto origin = decode::origin_of(item);
      const auto parsed = boost::urls::parse_absolute_uri(item);
      const bool bare = parsed && !parsed->has_query() &&
                        (parsed->encoded_path().empty() || parsed->encoded_path() == "/");
      if (!origin || !bare)
        in.fail("GATEHOUSE_ALLOWED_REDIRECTS",
                "'" + item + "' is not an origin (scheme://host[:port], no path or query)");
      else if (s.production() && !origin->starts_with("https://"))
        in.fail("GATEHOUSE_ALLOWED_REDIRECTS",
                "production allows only https origins, not '" + item + "'");
      else
        s.allowed_redirects.push_back(*origin);
    }
  }
  if (auto dir = in.get("GATEHOUSE_DATA_DIR"))
    s.data_dir = *dir;
  if (auto id = in.get("GATEHOUSE_INSTANCE_ID")) {
    bool ok = id->size() <= 64;
    for (char c : *id)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_');
    if (ok)
      s.instance_id = *id;
    else
      in.fail("GATEHOUSE_INSTANCE_ID", "use at most 64 letters, digits, '-' or '_'");
  }
  if (s.instance_id.empty())
    s.instance_id = random_instance_id();
  if (auto key = in.get_secret("GATEHOUSE_BOOTSTRAP_ADMIN_KEY")) {
    const std::size_t min = s.production() ? 32 : 16;
    if (key->reveal().size() < min)
      in.fail("GATEHOUSE_BOOTSTRAP_ADMIN_KEY",
              "must be at least " + std::to_string(min) + " characters");
    else
      s.bootstrap_admin_key = std::move(*key);
  }
  if (auto key = in.get_secret("GATEHOUSE_SECRETS_KEY")) {
    if (key->reveal().size() < 32)
      in.fail("GATEHOUSE_SECRETS_KEY", "must be at least 32 characters of random key material");
    else
      s.secrets_key = std::move(*key);
  }
  if (auto level = in.get("LOG_LEVEL")) {
    static const std::map<std::string, log_level, std::less<>> levels{{"debug", log_level::debug},
                                                                      {"info", log_level::info},
                                                                      {"warn", log_level::warn},
                                                                      {"error", log_level::error}};
    if (auto it = levels.find(*level); it != levels.end())
      s.level = it->second;
    else
      in.fail("LOG_LEVEL", "must be debug, info, warn or error");
  }
  if (auto format = in.get("LOG_FORMAT")) {
    if (*format == "text")
      s.format = log_format::text;
    else if (*format != "json")
      in.fail("LOG_FORMAT", "must be json or text");
  }
}

void read_dependencies(reader& in, settings& s) {
  if (auto url = in.get_secret("DATABASE_URL")) {
    const auto& v = url->reveal();
    if (!v.starts_with("postgresql://") && !v.starts_with("postgres://"))
      in.fail("DATABASE_URL", "must be a postgresql:// URI");
    else
      s.database_url = std::move(*url);
  } else {
    in.fail("DATABASE_URL", "is required (the dev scripts set it; see README)");
  }

  if (auto url = in.get_secret("REDIS_URL")) {
    auto parsed = boost::urls::parse_absolute_uri(url->reveal());
    if (!parsed || parsed->scheme() != "redis" || parsed->host().empty()) {
      in.fail("REDIS_URL", "must be redis://[:password@]host:port[/db]");
    } else {
      s.redis.host = parsed->host();
      if (parsed->has_port())
        s.redis.port = parsed->port_number();
      if (parsed->has_password())
        s.redis.password = secret{std::string{parsed->password()}};
      auto path = parsed->path();
      if (path.size() > 1) {
        auto db_text = std::string_view{path}.substr(1);
        int db = -1;
        auto [end, ec] = std::from_chars(db_text.data(), db_text.data() + db_text.size(), db);
        if (ec != std::errc{} || end != db_text.data() + db_text.size() || db < 0 || db > 15)
          in.fail("REDIS_URL", "the database number must be 0 to 15");
        else
          s.redis.db = db;
      }
    }
  } else {
    in.fail("REDIS_URL", "is required (the dev scripts set it; see README)");
  }

  if (auto url = in.get_secret("NATS_URL")) {
    const auto& v = url->reveal();
    if (!v.starts_with("nats://") && !v.starts_with("tls://"))
      in.fail("NATS_URL", "must be a nats:// or tls:// URL");
    else
      s.nats_url = std::move(*url);
  } else {
    in.fail("NATS_URL", "is required (the dev scripts set it; see README)");
  }
}

bool is_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63)
    return false;
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      return false;
  return name.front() != '.' && name.front() != '-' && name.back() != '.' && name.back() != '-';
}

bool is_region_name(std::string_view name) {
  return name.size() <= 64 && std::ranges::all_of(name, [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
         });
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "[::1]" || host == "::1" || host.starts_with("127.");
}

/// `S3_ENDPOINT`: an http(s) origin (a path is refused: the bucket goes there or in the host);
/// production accepts plain http only towards loopback.
void check_s3_endpoint(reader& in, const settings& s) {
  auto parsed = boost::urls::parse_absolute_uri(s.s3_endpoint);
  if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") ||
      parsed->host().empty() || !parsed->encoded_query().empty() ||
      (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") ||
      parsed->has_userinfo()) {
    in.fail("S3_ENDPOINT", "'" + s.s3_endpoint + "' is not an http(s) origin");
    return;
  }
  if (s.production() && parsed->scheme() == "http" && !is_loopback_host(parsed->host()))
    in.fail("S3_ENDPOINT", "production refuses plain http except towards loopback");
}

/// `FILES_ALLOWED_TYPES`: `type/subtype` or `type/*`, lower-cased.
void read_allowed_types(reader& in, files_settings& f) {
  auto list = in.get("FILES_ALLOWED_TYPES");
  if (!list)
    return;
  const auto token = [](std::string_view t) {
    return !t.empty() && t.size() <= 127 && std::ranges::all_of(t, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
             std::string_view{"!#$&-^_.+"}.find(c) != std::string_view::npos;
    });
  };
  for (auto& item : split_list(*list)) {
    for (auto& c : item)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto slash = item.find('/');
    const bool ok = slash != std::string::npos && token(item.substr(0, slash)) &&
                    (item.substr(slash + 1) == "*" || token(item.substr(slash + 1)));
    if (!ok) {
      in.fail("FILES_ALLOWED_TYPES", "'" + item + "' is not a media type (type/subtype or type/*)");
      continue;
    }
    f.allowed_types.push_back(std::move(item));
  }
}

/// `TELEGRAM_*`, `TDLIB_PATH`: the id and the hash come together, and need the library.
void read_telegram(reader& in, settings& s) {
  using std::chrono::milliseconds;
  if (auto id = in.get("TELEGRAM_API_ID")) {
    int32_t parsed = 0;
    auto [end, ec] = std::from_chars(id->data(), id->data() + id->size(), parsed);
    if (ec != std::errc{} || end != id->data() + id->size() || parsed <= 0)
      in.fail("TELEGRAM_API_ID", "must be the positive number my.telegram.org shows");
    else
      s.telegram_api_id = *id;
  }
  if (auto hash = in.get_secret("TELEGRAM_API_HASH"))
    s.telegram_api_hash = std::move(*hash);
  if (auto path = in.get("TDLIB_PATH"))
    s.tdlib_path = *path;
  if (in.get("TELEGRAM_API_ID").has_value() != !s.telegram_api_hash.empty())
    in.fail(s.telegram_api_hash.empty() ? "TELEGRAM_API_HASH" : "TELEGRAM_API_ID",
            "TELEGRAM_API_ID and TELEGRAM_API_HASH are set together");
  if (s.telegram_configured() && s.tdlib_path.empty())
    in.fail("TDLIB_PATH", "is required with TELEGRAM_API_ID (deploy/local/lib.sh installs it)");
  in.duration("TELEGRAM_SESSION_TTL", s.telegram_session_ttl, milliseconds{1000},
              milliseconds{30LL * 24 * 3600000});
  in.duration("TELEGRAM_REQUEST_TIMEOUT", s.telegram_request_timeout, milliseconds{100},
              milliseconds{120000});
  in.number<unsigned>("TELEGRAM_MAX_SESSIONS", s.telegram_max_sessions, 1, 100000);
  in.number<unsigned>("TELEGRAM_COMMAND_RATE", s.telegram_command_rate, 1, 100000);
  for (auto [name, field] : {std::pair{"TELEGRAM_SESSION_DIR", &s.telegram_session_dir},
                             std::pair{"TELEGRAM_HOST_PATH", &s.telegram_host_path}})
    if (auto value = in.get(name)) {
      if (!value->starts_with('/'))
        in.fail(name, "must be an absolute path");
      else
        *field = *value;
    }
}

void read_providers(reader& in, settings& s) {
  if (auto files = in.get("JWT_SIGNING_KEY_FILE")) {
    for (auto& path : split_list(*files)) {
      if (!in.files()(path))
        in.fail("JWT_SIGNING_KEY_FILE", "cannot read the key file '" + path + "'");
      s.jwt_signing_key_files.push_back(path);
    }
  }
  if (auto url = in.get_secret("SMTP_URL")) {
    const auto& v = url->reveal();
    if (!v.starts_with("smtp://") && !v.starts_with("smtps://"))
      in.fail("SMTP_URL", "must be an smtp:// or smtps:// URL");
    else
      s.smtp_url = std::move(*url);
  }
  if (auto from = in.get("EMAIL_FROM"))
    s.email_from = *from;
  if (auto key = in.get_secret("STRIPE_SECRET_KEY")) {
    if (!key->reveal().starts_with("sk_") && !key->reveal().starts_with("rk_"))
      in.fail("STRIPE_SECRET_KEY", "must be a Stripe secret (sk_…) or restricted (rk_…) key");
    else
      s.stripe_secret_key = std::move(*key);
  }
  if (auto secrets = in.get_secret("STRIPE_WEBHOOK_SECRET")) {
    for (auto& one : split_list(secrets->reveal())) {
      if (!one.starts_with("whsec_"))
        in.fail("STRIPE_WEBHOOK_SECRET", "each secret must start with whsec_");
      else
        s.stripe_webhook_secrets.emplace_back(one);
    }
  }
  if (auto base = in.get("STRIPE_API_BASE")) {
    auto parsed = boost::urls::parse_absolute_uri(*base);
    if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") ||
        parsed->host().empty())
      in.fail("STRIPE_API_BASE", "'" + *base + "' is not an http(s) URL");
    else if (parsed->scheme() == "http" && parsed->host() != "127.0.0.1" &&
             parsed->host() != "localhost" && parsed->host() != "[::1]")
      in.fail("STRIPE_API_BASE", "plain http is allowed only towards loopback (a test double)");
    else
      s.stripe_api_base = *base;
  }
  if (auto allow = in.get("WEBHOOKS_ALLOW_PRIVATE")) {
    if (*allow == "true" || *allow == "1")
      s.webhooks_allow_private = true;
    else if (*allow != "false" && *allow != "0")
      in.fail("WEBHOOKS_ALLOW_PRIVATE", "must be true or false");
  }
  read_oidc_providers(in, s.production(), s.oidc_providers);
  if (auto backend = in.get("STORAGE_BACKEND")) {
    if (*backend != "local" && *backend != "s3")
      in.fail("STORAGE_BACKEND", "must be local or s3");
    else
      s.storage_backend = *backend;
  }
  if (s.storage_backend == "s3") {
    for (auto [name, field] :
         {std::pair{"S3_ENDPOINT", &s.s3_endpoint}, std::pair{"S3_REGION", &s.s3_region},
          std::pair{"S3_BUCKET", &s.s3_bucket},
          std::pair{"S3_ACCESS_KEY_ID", &s.s3_access_key_id}}) {
      if (auto value = in.get(name))
        *field = *value;
      else
        in.fail(name, "is required when STORAGE_BACKEND=s3");
    }
    if (auto key = in.get_secret("S3_SECRET_ACCESS_KEY"))
      s.s3_secret_access_key = std::move(*key);
    else
      in.fail("S3_SECRET_ACCESS_KEY", "is required when STORAGE_BACKEND=s3");
    if (!s.s3_endpoint.empty())
      check_s3_endpoint(in, s);
    if (!s.s3_bucket.empty() && !is_bucket_name(s.s3_bucket))
      in.fail("S3_BUCKET",
              "'" + s.s3_bucket +
                  "' is not a bucket name (3-63 lower-case letters, digits, '.', '-')");
    if (!s.s3_region.empty() && !is_region_name(s.s3_region))
      in.fail("S3_REGION", "'" + s.s3_region + "' is not a region name (letters, digits, '-')");
  }
  if (auto flag = in.get("S3_FORCE_PATH_STYLE")) {
    if (*flag == "true" || *flag == "1")
      s.s3_force_path_style = true;
    else if (*flag != "false" && *flag != "0")
      in.fail("S3_FORCE_PATH_STYLE", "must be true or false");
  }
  read_telegram(in, s);
}

void read_tuning(reader& in, settings& s) {
  using std::chrono::milliseconds;
  auto& g = s.gateway;
  g.io_threads = std::max(1U, std::thread::hardware_concurrency());
  const std::size_t kib = 1024;
  in.number<std::size_t>("GATEHOUSE_BODY_LIMIT", g.body_limit, 1 * kib, 64 * kib * kib);
  in.number<std::size_t>("GATEHOUSE_HEADER_LIMIT", g.header_limit, 1 * kib, 256 * kib);
  in.number<std::size_t>("GATEHOUSE_WS_MESSAGE_LIMIT", g.ws_message_limit, 1 * kib, 16 * kib * kib);
  in.number<std::size_t>("GATEHOUSE_WS_QUEUE_LIMIT", g.ws_queue_limit, 1, 100000);
  in.number<std::size_t>("GATEHOUSE_WS_QUEUE_BYTES", g.ws_queue_bytes, 4 * kib, 1024 * kib * kib);
  in.number<unsigned>("GATEHOUSE_WS_RATE", g.ws_frames_per_second, 1, 100000);
  in.number<unsigned>("GATEHOUSE_WS_PER_USER", g.ws_per_user, 1, 100000);
  in.number<std::size_t>("GATEHOUSE_MAX_CONNECTIONS", g.max_connections, 1, 1000000);
  in.number<unsigned>("GATEHOUSE_IO_THREADS", g.io_threads, 1, 64);
  in.number<unsigned>("GATEHOUSE_ACTOR_THREADS", s.actor_threads, 1, 64);
  if (auto scheduler = in.get("GATEHOUSE_ACTOR_SCHEDULER")) {
    if (*scheduler == "stealing")
      s.actor_work_stealing = true;
    else if (*scheduler != "sharing")
      in.fail("GATEHOUSE_ACTOR_SCHEDULER", "must be sharing or stealing");
  }
  in.number<unsigned>("GATEHOUSE_PG_POOL_SIZE", s.pg_pool_size, 1, 64);
  in.number<unsigned>("GATEHOUSE_LOGIN_RATE", s.login_rate, 1, 1000000);
  in.number<unsigned>("GATEHOUSE_REGISTER_RATE", s.register_rate, 1, 1000000);
  in.duration("GATEHOUSE_READ_TIMEOUT", g.read_timeout, milliseconds{100}, milliseconds{600000});
  in.duration("GATEHOUSE_IDLE_TIMEOUT", g.idle_timeout, milliseconds{100}, milliseconds{3600000});
  in.duration("GATEHOUSE_HANDLER_TIMEOUT", g.handler_timeout, milliseconds{100},
              milliseconds{600000});
  in.duration("GATEHOUSE_SHUTDOWN_GRACE", g.shutdown_grace, milliseconds{0}, milliseconds{600000});
  in.duration("GATEHOUSE_USER_ACTOR_IDLE", s.user_actor_idle, milliseconds{1000},
              milliseconds{std::chrono::hours{7 * 24}});
  in.duration("GATEHOUSE_RATE_WINDOW", s.rate_window, milliseconds{1000}, milliseconds{3600000});
  in.duration("GATEHOUSE_ACCESS_TOKEN_TTL", s.access_token_ttl, milliseconds{5000},
              milliseconds{24 * 3600000LL});

  auto& f = s.files;
  constexpr int64_t tib = int64_t{1024} * 1024 * 1024 * 1024;
  in.number<int64_t>("FILES_MAX_BYTES", f.max_bytes, 1, 5 * tib);
  in.number<int64_t>("FILES_QUOTA_BYTES", f.quota_bytes, 0, 1024 * tib);
  // S3 refuses presigned URLs that live longer than seven days.
  in.duration("FILES_URL_TTL", f.url_ttl, milliseconds{1000},
              milliseconds{std::chrono::hours{7 * 24}});
  read_allowed_types(in, f);
  in.duration("GATEHOUSE_REFRESH_GRACE", s.refresh_grace, milliseconds{0}, milliseconds{60000});
}

/// Production refuses settings that are only acceptable on a developer's machine.
void check_production(reader& in, const settings& s) {
  if (!s.production())
    return;
  if (!s.public_url.starts_with("https://"))
    in.fail("GATEHOUSE_PUBLIC_URL",
            "production needs an https:// public URL (session cookies are Secure)");
  for (const auto& origin : s.gateway.cors_origins)
    if (!origin.starts_with("https://"))
      in.fail("GATEHOUSE_CORS_ORIGINS",
              "production accepts only https:// origins, not '" + origin + "'");
  if (s.jwt_signing_key_files.empty())
    in.fail("JWT_SIGNING_KEY_FILE", "production needs a signing key file (keys are generated "
                                    "only in development)");
  if (s.secrets_key.empty())
    in.fail("GATEHOUSE_SECRETS_KEY", "production needs a key for secrets at rest (keys are "
                                     "generated only in development)");
  if (!s.smtp_url.empty() && s.smtp_url.reveal().starts_with("smtp://") &&
      s.smtp_url.reveal().find('@') != std::string::npos)
    in.fail("SMTP_URL", "production refuses credentials over smtp://; use smtps:// or STARTTLS "
                        "on a trusted network without credentials");
}

} // namespace

load_result load_settings(const env_lookup& env, const file_reader& read_file) {
  reader in{env, read_file};
  settings s;
  read_general(in, s);
  read_dependencies(in, s);
  read_providers(in, s);
  read_tuning(in, s);
  read_upstreams(in, s.upstreams);
  check_production(in, s);
  if (!in.errors().empty())
    return std::move(in.errors());
  return s;
}

env_lookup process_environment(const std::string& dotenv_path, std::vector<config_error>& errors) {
  auto from_file = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  const char* mode = std::getenv("GATEHOUSE_ENV");
  const bool production = mode != nullptr && std::string_view{mode} == "production";
  if (!production) {
    if (auto text = read_whole_file(dotenv_path)) {
      auto parsed = parse_dotenv(*text);
      if (auto* vars = std::get_if<std::map<std::string, std::string>>(&parsed)) {
        from_file->insert(vars->begin(), vars->end());
      } else {
        for (auto& e : std::get<std::vector<dotenv_error>>(parsed))
          errors.push_back({dotenv_path + ":" + std::to_string(e.line), e.message});
      }
    }
  }
  return [from_file](std::string_view name) -> std::optional<std::string> {
    const std::string key{name};
    if (const char* value = std::getenv(key.c_str()))
      return std::string{value};
    if (auto it = from_file->find(name); it != from_file->end())
      return it->second;
    return std::nullopt;
  };
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad())
    return std::nullopt;
  return std::move(out).str();
}

std::string describe(const std::vector<config_error>& errors) {
  std::string out = "configuration is invalid (" + std::to_string(errors.size()) + " problem" +
                    (errors.size() == 1 ? "" : "s") + "):\n";
  for (const auto& e : errors)
    out += "  " + e.variable + ": " + e.message + "\n";
  return out;
}

} // namespace gh::config
