#pragma once

#include "config/secret.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gh::config {

/// `GATEHOUSE_ENV`.
enum class run_mode { development, production };

/// `LOG_FORMAT`.
enum class log_format { json, text };

/// `LOG_LEVEL`.
enum class log_level { debug, info, warn, error };

/// Where a server listens or a client connects.
struct host_port {
  std::string host;
  uint16_t port = 0;
};

/// A Redis endpoint parsed from `REDIS_URL`.
struct redis_endpoint {
  std::string host;
  uint16_t port = 6379;
  int db = 0;
  secret password;
};

/// One OIDC identity provider (`OIDC_<NAME>_*`, API.md "Federation").
struct oidc_provider {
  std::string name;      ///< As listed in `OIDC_PROVIDERS`, lower case: the URL's `{provider}`.
  std::string issuer;    ///< `OIDC_<NAME>_ISSUER`, compared exactly with `iss`.
  std::string client_id; ///< `OIDC_<NAME>_CLIENT_ID`
  secret client_secret;  ///< `OIDC_<NAME>_CLIENT_SECRET` (client_secret_basic)
  std::string scopes = "openid email profile"; ///< `OIDC_<NAME>_SCOPES`
  /// `OIDC_<NAME>_TRUST_EMAIL`: a verified e-mail claim may link an existing account.
  bool trust_email = false;
  /// `OIDC_<NAME>_ACCEPT_TOKENS`: the provider's access and/or ID tokens count as bearer.
  bool accept_access_tokens = false;
  bool accept_id_tokens = false;
  /// `OIDC_<NAME>_WEBHOOK_SECRET`: Standard Webhooks `whsec_…` or FusionAuth's HMAC key;
  /// empty: `POST /webhooks/idp/{provider}` is refused.
  secret webhook_secret;
};

/// The front actor's limits and timeouts.
struct gateway_settings {
  std::size_t body_limit = 1024 * 1024;       ///< GATEHOUSE_BODY_LIMIT
  std::size_t header_limit = 16 * 1024;       ///< GATEHOUSE_HEADER_LIMIT
  std::size_t ws_message_limit = 1024 * 1024; ///< GATEHOUSE_WS_MESSAGE_LIMIT
  std::size_t ws_queue_limit = 256;           ///< GATEHOUSE_WS_QUEUE_LIMIT (frames)
  /// GATEHOUSE_WS_QUEUE_BYTES: bytes of the frames waiting behind the one being written.
  std::size_t ws_queue_bytes = 4 * 1024 * 1024;
  unsigned ws_frames_per_second = 50; ///< GATEHOUSE_WS_RATE (pings count too)
  unsigned ws_per_user = 32;          ///< GATEHOUSE_WS_PER_USER
  /// GATEHOUSE_CORS_ORIGINS: front-end origins allowed to call with credentials (exact).
  std::vector<std::string> cors_origins;
  std::size_t max_connections = 10000;              ///< GATEHOUSE_MAX_CONNECTIONS
  std::chrono::milliseconds read_timeout{10000};    ///< GATEHOUSE_READ_TIMEOUT
  std::chrono::milliseconds idle_timeout{60000};    ///< GATEHOUSE_IDLE_TIMEOUT
  std::chrono::milliseconds handler_timeout{30000}; ///< GATEHOUSE_HANDLER_TIMEOUT
  std::chrono::milliseconds shutdown_grace{10000};  ///< GATEHOUSE_SHUTDOWN_GRACE
  unsigned io_threads = 1; ///< GATEHOUSE_IO_THREADS (default: one per core)
};

/// What users may store (`FILES_*`).
struct files_settings {
  int64_t max_bytes = int64_t{100} * 1024 * 1024;    ///< FILES_MAX_BYTES: one file's size limit
  int64_t quota_bytes = int64_t{1024} * 1024 * 1024; ///< FILES_QUOTA_BYTES: each user's total
  /// FILES_ALLOWED_TYPES: media types (`image/png`) or whole top-level types (`image/*`), lower
  /// case; empty allows any type.
  std::vector<std::string> allowed_types;
  std::chrono::milliseconds url_ttl{900000}; ///< FILES_URL_TTL: signed URLs' lifetime
};

/// Who may call an upstream through the proxy (`UPSTREAM_<NAME>_AUTH`).
enum class upstream_auth : std::uint8_t {
  user,     ///< a signed-in user only (401 before anything reaches the upstream)
  optional, ///< a user when the credentials verify, anonymous otherwise
  none,     ///< anyone; credentials are not looked at (and still never forwarded)
};

/// One internal service behind the proxy (API.md "Proxy to internal services").
struct upstream_settings {
  std::string name;      ///< as listed in GATEHOUSE_UPSTREAMS; the identity JWT's `aud`
  std::string prefix;    ///< UPSTREAM_<NAME>_PREFIX: `/api/v1/generation`, no trailing slash
  std::string url;       ///< UPSTREAM_<NAME>_URL as given
  std::string host;      ///< from the URL
  uint16_t port = 80;    ///< from the URL
  std::string base_path; ///< the URL's path without a trailing slash (often empty)
  upstream_auth auth = upstream_auth::user;   ///< UPSTREAM_<NAME>_AUTH
  std::chrono::milliseconds timeout{30000};   ///< UPSTREAM_<NAME>_TIMEOUT
  std::size_t body_limit = 100 * 1024 * 1024; ///< UPSTREAM_<NAME>_BODY_LIMIT (streamed)
  unsigned rate = 0;           ///< UPSTREAM_<NAME>_RATE: per user per rate window; 0: unlimited
  bool inject_user_id = false; ///< UPSTREAM_<NAME>_INJECT_USER_ID
  std::size_t max_idle = 32;   ///< UPSTREAM_<NAME>_MAX_IDLE: kept-alive connections per io thread
};

/// Every setting of a Gatehouse process, read once at start (see API.md "Configuration").
struct settings {
  host_port listen{"127.0.0.1", 8080};
  std::string public_url = "http://127.0.0.1:8080";
  run_mode mode = run_mode::development;
  std::string data_dir = "./.local/data";
  std::string instance_id;
  secret bootstrap_admin_key;

  secret database_url;
  redis_endpoint redis;
  secret nats_url;

  std::vector<std::string> jwt_signing_key_files;
  /// GATEHOUSE_SECRETS_KEY: key material (at least 32 characters) from which the key sealing
  /// secrets at rest (TOTP secrets) is derived; generated under the data dir in development.
  secret secrets_key;

  secret smtp_url;
  std::string email_from = "Gatehouse <no-reply@localhost>";

  secret stripe_secret_key;
  std::vector<secret> stripe_webhook_secrets;
  std::string stripe_api_base = "https://api.stripe.com";

  std::vector<oidc_provider> oidc_providers;
  /// GATEHOUSE_ALLOWED_REDIRECTS: exact origins (`scheme://host[:port]`, lower case, no default
  /// port) a user's browser may be sent back to besides our own (Stripe return pages, logins).
  std::vector<std::string> allowed_redirects;

  /// WEBHOOKS_ALLOW_PRIVATE: outbound webhooks may reach private, loopback, link-local and
  /// unique-local addresses.
  bool webhooks_allow_private = false;

  std::string storage_backend = "local";
  std::string s3_endpoint;
  std::string s3_region;
  std::string s3_bucket;
  std::string s3_access_key_id;
  secret s3_secret_access_key;
  /// S3_FORCE_PATH_STYLE: `{endpoint}/{bucket}/{key}` instead of `{bucket}.{endpoint host}/{key}`.
  bool s3_force_path_style = false;

  files_settings files;

  std::string telegram_api_id; ///< TELEGRAM_API_ID (digits); with the hash, Telegram is on
  secret telegram_api_hash;    ///< TELEGRAM_API_HASH
  std::string tdlib_path;      ///< TDLIB_PATH: libtdjson.so, loaded by the TDLib host
  /// TELEGRAM_SESSION_TTL: a Telegram session ends this long after its last command.
  std::chrono::milliseconds telegram_session_ttl{24LL * 3600000};
  unsigned telegram_max_sessions = 100; ///< TELEGRAM_MAX_SESSIONS: live sessions per process
  unsigned telegram_command_rate = 60;  ///< TELEGRAM_COMMAND_RATE: `/tg` commands per user a minute
  /// TELEGRAM_REQUEST_TIMEOUT: time TDLib has to answer one request.
  std::chrono::milliseconds telegram_request_timeout{20000};
  /// TELEGRAM_SESSION_DIR: where sessions' directories live; empty: under /dev/shm (else the
  /// data dir), named after the data dir.
  std::string telegram_session_dir;
  /// TELEGRAM_HOST_PATH: the `gatehouse-tdhost` executable; empty: the one beside `gatehouse`.
  std::string telegram_host_path;

  bool telegram_configured() const noexcept {
    return !telegram_api_id.empty() && !telegram_api_hash.empty();
  }

  log_level level = log_level::info;
  log_format format = log_format::json;

  gateway_settings gateway;
  /// GATEHOUSE_UPSTREAMS and each one's UPSTREAM_<NAME>_*, in the order listed.
  std::vector<upstream_settings> upstreams;
  /// GATEHOUSE_ACTOR_SCHEDULER: `sharing` (one queue; idle threads sleep until a message comes)
  /// or `stealing` (a queue per thread; idle threads poll, then nap 10 ms between polls).
  bool actor_work_stealing = false;
  unsigned actor_threads = 2;                        ///< GATEHOUSE_ACTOR_THREADS
  std::chrono::milliseconds user_actor_idle{900000}; ///< GATEHOUSE_USER_ACTOR_IDLE
  unsigned login_rate = 30;    ///< GATEHOUSE_LOGIN_RATE: login attempts per address per window
  unsigned register_rate = 10; ///< GATEHOUSE_REGISTER_RATE: registrations per address per window
  std::chrono::milliseconds rate_window{60000};       ///< GATEHOUSE_RATE_WINDOW
  std::chrono::milliseconds access_token_ttl{900000}; ///< GATEHOUSE_ACCESS_TOKEN_TTL
  unsigned pg_pool_size = 4;                          ///< GATEHOUSE_PG_POOL_SIZE
  /// GATEHOUSE_REFRESH_GRACE: how long a just-rotated refresh token still answers with the pair
  /// its rotation issued (two tabs refreshing at once), instead of counting as reuse; 0 = never.
  std::chrono::milliseconds refresh_grace{5000};

  bool production() const noexcept { return mode == run_mode::production; }
};

} // namespace gh::config
