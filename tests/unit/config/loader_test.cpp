#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

using namespace gh::config;

namespace {

using env_map = std::map<std::string, std::string, std::less<>>;

/// The variables the dev scripts always set.
env_map base_env() {
  return {{"DATABASE_URL", "postgresql://gatehouse:pw-secret@127.0.0.1:5432/gatehouse"},
          {"REDIS_URL", "redis://127.0.0.1:6379/0"},
          {"NATS_URL", "nats://127.0.0.1:4222"}};
}

struct fixture {
  env_map env;
  std::map<std::string, std::string> files;

  load_result load() const {
    return load_settings(
        [this](std::string_view name) -> std::optional<std::string> {
          if (auto it = env.find(name); it != env.end())
            return it->second;
          return std::nullopt;
        },
        [this](const std::string& path) -> std::optional<std::string> {
          if (auto it = files.find(path); it != files.end())
            return it->second;
          return std::nullopt;
        });
  }
};

settings expect_ok(const fixture& f) {
  auto r = f.load();
  if (auto* errors = std::get_if<std::vector<config_error>>(&r))
    ADD_FAILURE() << describe(*errors);
  return std::holds_alternative<settings>(r) ? std::get<settings>(r) : settings{};
}

std::vector<config_error> expect_errors(const fixture& f) {
  auto r = f.load();
  EXPECT_TRUE(std::holds_alternative<std::vector<config_error>>(r));
  return std::holds_alternative<settings>(r) ? std::vector<config_error>{}
                                             : std::get<std::vector<config_error>>(r);
}

bool names(const std::vector<config_error>& errors, std::string_view variable) {
  for (const auto& e : errors)
    if (e.variable == variable)
      return true;
  return false;
}

} // namespace

TEST(LoaderTest, EmbeddedDefaults) {
  auto s = expect_ok({base_env(), {}});
  EXPECT_EQ(s.listen.host, "127.0.0.1");
  EXPECT_EQ(s.listen.port, 8080);
  EXPECT_EQ(s.public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(s.mode, run_mode::development);
  EXPECT_EQ(s.data_dir, "./.local/data");
  EXPECT_EQ(s.email_from, "Gatehouse <no-reply@localhost>");
  EXPECT_EQ(s.storage_backend, "local");
  EXPECT_EQ(s.format, log_format::json);
  EXPECT_EQ(s.level, log_level::info);
  EXPECT_EQ(s.redis.host, "127.0.0.1");
  EXPECT_EQ(s.redis.port, 6379);
  EXPECT_FALSE(s.instance_id.empty());
  EXPECT_TRUE(s.bootstrap_admin_key.empty());
  EXPECT_GE(s.gateway.io_threads, 1U);
  EXPECT_FALSE(s.actor_work_stealing);
  EXPECT_EQ(s.gateway.ws_queue_limit, 256U);
  EXPECT_EQ(s.gateway.ws_queue_bytes, 4U * 1024 * 1024);
}

TEST(LoaderTest, ReadsTypedValues) {
  auto env = base_env();
  env["GATEHOUSE_LISTEN"] = "0.0.0.0:9000";
  env["GATEHOUSE_PUBLIC_URL"] = "https://api.example.com/";
  env["REDIS_URL"] = "redis://:s3cret@cache:6380/3";
  env["GATEHOUSE_READ_TIMEOUT"] = "1500ms";
  env["GATEHOUSE_IDLE_TIMEOUT"] = "2m";
  env["GATEHOUSE_BODY_LIMIT"] = "2048";
  env["GATEHOUSE_WS_QUEUE_BYTES"] = "65536";
  env["LOG_FORMAT"] = "text";
  env["GATEHOUSE_ACTOR_SCHEDULER"] = "stealing";
  env["LOG_LEVEL"] = "debug";
  env["STRIPE_WEBHOOK_SECRET"] = "whsec_a, whsec_b";
  env["OIDC_PROVIDERS"] = "keycloak";
  env["OIDC_KEYCLOAK_ISSUER"] = "https://kc.example.com/realms/x";
  env["OIDC_KEYCLOAK_CLIENT_ID"] = "gatehouse";
  auto s = expect_ok({env, {}});
  EXPECT_EQ(s.listen.host, "0.0.0.0");
  EXPECT_EQ(s.listen.port, 9000);
  EXPECT_EQ(s.public_url, "https://api.example.com");
  EXPECT_EQ(s.redis.host, "cache");
  EXPECT_EQ(s.redis.port, 6380);
  EXPECT_EQ(s.redis.db, 3);
  EXPECT_EQ(s.redis.password.reveal(), "s3cret");
  EXPECT_EQ(s.gateway.read_timeout, std::chrono::milliseconds{1500});
  EXPECT_EQ(s.gateway.idle_timeout, std::chrono::minutes{2});
  EXPECT_EQ(s.gateway.body_limit, 2048U);
  EXPECT_EQ(s.gateway.ws_queue_bytes, 65536U);
  EXPECT_TRUE(s.actor_work_stealing);
  EXPECT_EQ(s.format, log_format::text);
  EXPECT_EQ(s.level, log_level::debug);
  ASSERT_EQ(s.stripe_webhook_secrets.size(), 2U);
  EXPECT_EQ(s.stripe_webhook_secrets[1].reveal(), "whsec_b");
  ASSERT_EQ(s.oidc_providers.size(), 1U);
  EXPECT_EQ(s.oidc_providers[0].scopes, "openid email profile");
}

TEST(LoaderTest, ReportsEveryProblemAtOnce) {
  env_map env{{"GATEHOUSE_LISTEN", "nonsense"},
              {"GATEHOUSE_ENV", "staging"},
              {"GATEHOUSE_READ_TIMEOUT", "fast"},
              {"GATEHOUSE_BODY_LIMIT", "12"},
              {"LOG_LEVEL", "loud"},
              {"OIDC_PROVIDERS", "cognito"}};
  auto errors = expect_errors({env, {}});
  for (auto variable : {"GATEHOUSE_LISTEN", "GATEHOUSE_ENV", "GATEHOUSE_READ_TIMEOUT",
                        "GATEHOUSE_BODY_LIMIT", "LOG_LEVEL", "DATABASE_URL", "REDIS_URL",
                        "NATS_URL", "OIDC_COGNITO_ISSUER", "OIDC_COGNITO_CLIENT_ID"})
    EXPECT_TRUE(names(errors, variable)) << variable << " not reported in\n" << describe(errors);
}

TEST(LoaderTest, SecretsNeverAppearInErrors) {
  auto env = base_env();
  env["DATABASE_URL"] = "mysql://root:TopSecretPw@db/x";
  env["STRIPE_SECRET_KEY"] = "pk_live_TopSecretKey";
  env["GATEHOUSE_BOOTSTRAP_ADMIN_KEY"] = "TopSecret";
  env["REDIS_URL"] = "redis://:TopSecretRedis@host:6379/99";
  auto errors = expect_errors({env, {}});
  EXPECT_EQ(errors.size(), 4U) << describe(errors);
  EXPECT_EQ(describe(errors).find("TopSecret"), std::string::npos) << describe(errors);
  std::ostringstream printed;
  printed << secret{"TopSecret"};
  EXPECT_EQ(printed.str(), "***");
}

TEST(LoaderTest, SecretsFromFiles) {
  auto env = base_env();
  env.erase("DATABASE_URL");
  env["DATABASE_URL_FILE"] = "/run/secrets/db";
  env["STRIPE_SECRET_KEY_FILE"] = "/run/secrets/missing";
  auto errors = expect_errors({env, {{"/run/secrets/db", "postgresql://u:p@h/d\n"}}});
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].variable, "STRIPE_SECRET_KEY_FILE");

  env.erase("STRIPE_SECRET_KEY_FILE");
  auto s = expect_ok({env, {{"/run/secrets/db", "postgresql://u:p@h/d\n"}}});
  EXPECT_EQ(s.database_url.reveal(), "postgresql://u:p@h/d");

  env["DATABASE_URL"] = "postgresql://x@y/z";
  EXPECT_TRUE(
      names(expect_errors({env, {{"/run/secrets/db", "postgresql://u:p@h/d"}}}), "DATABASE_URL"));
}

TEST(LoaderTest, ProductionRefusesWeakSettings) {
  auto env = base_env();
  env["GATEHOUSE_ENV"] = "production";
  env["GATEHOUSE_BOOTSTRAP_ADMIN_KEY"] = "only-twenty-chars-xx";
  auto errors = expect_errors({env, {}});
  EXPECT_TRUE(names(errors, "GATEHOUSE_PUBLIC_URL")) << describe(errors);
  EXPECT_TRUE(names(errors, "JWT_SIGNING_KEY_FILE")) << describe(errors);
  EXPECT_TRUE(names(errors, "GATEHOUSE_BOOTSTRAP_ADMIN_KEY")) << describe(errors);
  EXPECT_TRUE(names(errors, "GATEHOUSE_SECRETS_KEY")) << describe(errors);

  env["GATEHOUSE_PUBLIC_URL"] = "https://gate.example.com";
  env["JWT_SIGNING_KEY_FILE"] = "/keys/a.pem";
  env["GATEHOUSE_BOOTSTRAP_ADMIN_KEY"] = std::string(40, 'k');
  env["GATEHOUSE_SECRETS_KEY"] = std::string(44, 's');
  auto s = expect_ok({env, {{"/keys/a.pem", "-----BEGIN PRIVATE KEY-----"}}});
  EXPECT_TRUE(s.production());
}

TEST(LoaderTest, RefusesMalformedValues) {
  for (auto [name, value] : std::initializer_list<std::pair<const char*, const char*>>{
           {"GATEHOUSE_LISTEN", "127.0.0.1:99999"},
           {"GATEHOUSE_LISTEN", ":80"},
           {"GATEHOUSE_PUBLIC_URL", "ftp://x"},
           {"GATEHOUSE_PUBLIC_URL", "not a url"},
           {"GATEHOUSE_IO_THREADS", "-1"},
           {"GATEHOUSE_IO_THREADS", "3x"},
           {"GATEHOUSE_ACTOR_SCHEDULER", "fair"},
           {"GATEHOUSE_SHUTDOWN_GRACE", "5y"},
           {"GATEHOUSE_WS_QUEUE_BYTES", "1024"},
           {"GATEHOUSE_WS_QUEUE_BYTES", "2GiB"},
           {"NATS_URL", "http://x"},
           {"SMTP_URL", "mailto:x"},
           {"STORAGE_BACKEND", "ftp"},
           {"GATEHOUSE_INSTANCE_ID", "has space"},
           {"REDIS_URL", "redis://h:1/abc"}}) {
    auto env = base_env();
    env[name] = value;
    auto errors = expect_errors({env, {}});
    EXPECT_TRUE(names(errors, name)) << name << "=" << value;
  }
}

TEST(LoaderTest, S3NeedsItsSettings) {
  auto env = base_env();
  env["STORAGE_BACKEND"] = "s3";
  auto errors = expect_errors({env, {}});
  EXPECT_EQ(errors.size(), 5U) << describe(errors);
}

TEST(LoaderTest, FilesDefaults) {
  const auto s = expect_ok({base_env(), {}});
  EXPECT_EQ(s.files.max_bytes, 100 * 1024 * 1024);
  EXPECT_EQ(s.files.quota_bytes, int64_t{1024} * 1024 * 1024);
  EXPECT_TRUE(s.files.allowed_types.empty());
  EXPECT_EQ(s.files.url_ttl, std::chrono::minutes{15});
  EXPECT_FALSE(s.s3_force_path_style);
}

TEST(LoaderTest, FilesSettingsAreRead) {
  auto env = base_env();
  env["FILES_MAX_BYTES"] = "2048";
  env["FILES_QUOTA_BYTES"] = "10000";
  env["FILES_ALLOWED_TYPES"] = "image/*, Application/PDF,text/plain";
  env["FILES_URL_TTL"] = "8s";
  const auto s = expect_ok({env, {}});
  EXPECT_EQ(s.files.max_bytes, 2048);
  EXPECT_EQ(s.files.quota_bytes, 10000);
  EXPECT_EQ(s.files.allowed_types,
            (std::vector<std::string>{"image/*", "application/pdf", "text/plain"}));
  EXPECT_EQ(s.files.url_ttl, std::chrono::seconds{8});
}

TEST(LoaderTest, FilesSettingsAreValidated) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"FILES_MAX_BYTES", "0"},
                                                        {"FILES_MAX_BYTES", "-1"},
                                                        {"FILES_MAX_BYTES", "100MiB"},
                                                        {"FILES_QUOTA_BYTES", "lots"},
                                                        {"FILES_ALLOWED_TYPES", "image"},
                                                        {"FILES_ALLOWED_TYPES", "*/*"},
                                                        {"FILES_ALLOWED_TYPES", "image/png;q=1"},
                                                        {"FILES_URL_TTL", "500ms"},
                                                        {"FILES_URL_TTL", "8d"},
                                                        {"FILES_URL_TTL", "200h"},
                                                        {"S3_FORCE_PATH_STYLE", "yes"}}) {
    auto env = base_env();
    env[name] = value;
    auto errors = expect_errors({env, {}});
    EXPECT_TRUE(names(errors, name)) << name << "=" << value;
  }
}

TEST(LoaderTest, S3SettingsAreValidated) {
  auto good = base_env();
  good["STORAGE_BACKEND"] = "s3";
  good["S3_ENDPOINT"] = "http://127.0.0.1:9000";
  good["S3_REGION"] = "us-east-1";
  good["S3_BUCKET"] = "gatehouse-files";
  good["S3_ACCESS_KEY_ID"] = "test:tester";
  good["S3_SECRET_ACCESS_KEY"] = "testing";
  good["S3_FORCE_PATH_STYLE"] = "true";
  const auto s = expect_ok({good, {}});
  EXPECT_TRUE(s.s3_force_path_style);
  EXPECT_EQ(s.s3_bucket, "gatehouse-files");

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"S3_ENDPOINT", "ftp://example.com"},
           {"S3_ENDPOINT", "https://s3.example.com/bucket"},
           {"S3_ENDPOINT", "https://user:pw@s3.example.com"},
           {"S3_BUCKET", "No_Such"},
           {"S3_BUCKET", "ab"},
           {"S3_REGION", "us east"}}) {
    auto env = good;
    env[name] = value;
    auto errors = expect_errors({env, {}});
    EXPECT_TRUE(names(errors, name)) << name << "=" << value;
  }
  // Production sends objects to a store over the network only encrypted.
  auto prod = good;
  prod["S3_ENDPOINT"] = "http://s3.example.com";
  prod["GATEHOUSE_ENV"] = "production";
  EXPECT_TRUE(names(expect_errors({prod, {}}), "S3_ENDPOINT"));
}

TEST(LoaderTest, AllowedRedirectsAreExactOriginsCheckedAtStart) {
  fixture f{base_env(), {}};
  EXPECT_TRUE(expect_ok(f).allowed_redirects.empty());
  f.env["GATEHOUSE_ALLOWED_REDIRECTS"] =
      "https://App.Example.com, https://admin.example.com:8443/ ,http://127.0.0.1:3000";
  EXPECT_EQ(expect_ok(f).allowed_redirects,
            (std::vector<std::string>{"https://app.example.com", "https://admin.example.com:8443",
                                      "http://127.0.0.1:3000"}));
  for (const auto* bad : {"https://app.example.com/path", "app.example.com", "https://x.example/?q",
                          "javascript:alert(1)", "https://user@app.example.com"}) {
    f.env["GATEHOUSE_ALLOWED_REDIRECTS"] = bad;
    EXPECT_TRUE(names(expect_errors(f), "GATEHOUSE_ALLOWED_REDIRECTS")) << bad;
  }
  f.env["GATEHOUSE_ALLOWED_REDIRECTS"] = "http://app.example.com";
  f.env["GATEHOUSE_ENV"] = "production";
  EXPECT_TRUE(names(expect_errors(f), "GATEHOUSE_ALLOWED_REDIRECTS"));
}

TEST(LoaderTest, RefreshGraceIsAShortDuration) {
  fixture f{base_env(), {}};
  EXPECT_EQ(expect_ok(f).refresh_grace, std::chrono::seconds{5});
  f.env["GATEHOUSE_REFRESH_GRACE"] = "0";
  EXPECT_EQ(expect_ok(f).refresh_grace, std::chrono::seconds{0});
  f.env["GATEHOUSE_REFRESH_GRACE"] = "2m";
  EXPECT_TRUE(names(expect_errors(f), "GATEHOUSE_REFRESH_GRACE"));
}

TEST(LoaderTest, TelegramSettingsAreReadWithTheirDefaults) {
  const auto off = expect_ok({base_env(), {}});
  EXPECT_FALSE(off.telegram_configured());
  EXPECT_EQ(off.telegram_session_ttl, std::chrono::hours{24});
  EXPECT_EQ(off.telegram_max_sessions, 100U);
  auto env = base_env();
  env["TELEGRAM_API_ID"] = "12345";
  env["TELEGRAM_API_HASH"] = "0123456789abcdef";
  env["TDLIB_PATH"] = "/opt/tdlib/libtdjson.so";
  env["TELEGRAM_SESSION_TTL"] = "2s";
  env["TELEGRAM_MAX_SESSIONS"] = "3";
  env["TELEGRAM_COMMAND_RATE"] = "7";
  env["TELEGRAM_REQUEST_TIMEOUT"] = "500ms";
  env["TELEGRAM_SESSION_DIR"] = "/dev/shm/tg";
  const auto s = expect_ok({env, {}});
  EXPECT_TRUE(s.telegram_configured());
  EXPECT_EQ(s.telegram_session_ttl, std::chrono::seconds{2});
  EXPECT_EQ(s.telegram_max_sessions, 3U);
  EXPECT_EQ(s.telegram_command_rate, 7U);
  EXPECT_EQ(s.telegram_request_timeout, std::chrono::milliseconds{500});
  EXPECT_EQ(s.telegram_session_dir, "/dev/shm/tg");
}

TEST(LoaderTest, TelegramSettingsAreValidatedAllAtOnce) {
  auto env = base_env();
  env["TELEGRAM_API_ID"] = "twelve";
  env["TELEGRAM_SESSION_TTL"] = "0s";
  env["TELEGRAM_MAX_SESSIONS"] = "0";
  env["TELEGRAM_SESSION_DIR"] = "relative/dir";
  auto errors = expect_errors({env, {}});
  for (const char* variable : {"TELEGRAM_API_ID", "TELEGRAM_API_HASH", "TELEGRAM_SESSION_TTL",
                               "TELEGRAM_MAX_SESSIONS", "TELEGRAM_SESSION_DIR"})
    EXPECT_TRUE(names(errors, variable)) << variable << " not reported in\n" << describe(errors);
  auto no_library = base_env();
  no_library["TELEGRAM_API_ID"] = "12345";
  no_library["TELEGRAM_API_HASH"] = "0123456789abcdef";
  EXPECT_TRUE(names(expect_errors({no_library, {}}), "TDLIB_PATH"));
}
