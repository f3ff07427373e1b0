#pragma once

#include "providers/oidc/discovery.hpp"
#include "providers/oidc/flow.hpp"
#include "providers/oidc/jwks.hpp"
#include "providers/oidc/token_verifier.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gh::http_out {
class tls_context;
}

namespace gh::oidc {

/// One configured provider, as `provider_keys` needs it.
struct provider_options {
  std::string issuer; ///< Exactly as the provider writes `iss`.
  std::string client_id;
  std::string client_secret;
  std::chrono::milliseconds timeout{5000}; ///< Per fetch: connect, send and read.
  /// Least time between two JWKS fetches caused by an unknown `kid`.
  std::chrono::seconds refetch_interval{60};
  /// Least time between two attempts after a failed fetch (the provider was down).
  std::chrono::seconds retry_interval{5};
};

/// Why `provider_keys` could not give an answer.
struct keys_error {
  /// True when the provider could not be reached or answered nonsense (discovery, JWKS):
  /// nothing is known about the token, the caller answers 503 rather than 401.
  bool unavailable = false;
  /// Set when the token itself was refused by `verify_jws`.
  std::optional<jws_failure> failure;
  std::string reason; ///< Short and safe to log.
};

/// A provider's discovery document and current keys, fetched over HTTP(S) and cached.
///
/// Thread-safe: any number of threads may call `verify` and `exchange_code` at once; fetches
/// are serialised and block the calling thread (these run on actor threads that may block).
class provider_keys {
public:
  using clock = std::function<std::chrono::steady_clock::time_point()>;

  /// Nothing is fetched until first needed. `now` is injectable for tests.
  explicit provider_keys(provider_options options, clock now = std::chrono::steady_clock::now);
  ~provider_keys();
  provider_keys(const provider_keys&) = delete;
  provider_keys& operator=(const provider_keys&) = delete;

  /// The discovery document, fetched on first use (and again after a failure, at most every
  /// `retry_interval`).
  std::variant<provider_metadata, keys_error> metadata();

  /// Verifies `token`'s signature against the cached keys. An unknown `kid` refetches the
  /// JWKS (at most once per `refetch_interval`) and tries once more. Claims are not checked:
  /// pass the result to `check_id_token` or `check_access_token`.
  std::variant<verified_jws, keys_error> verify(std::string_view token);

  /// Exchanges an authorization code at the token endpoint (`client_secret_basic`). A network
  /// failure is a `token_error` with `error` = `unavailable` and status 0.
  std::variant<token_response, token_error> exchange_code(std::string_view code,
                                                          std::string_view redirect_uri,
                                                          std::string_view code_verifier);

  /// Fetches made so far (both kinds), for metrics and tests.
  uint64_t discovery_fetches() const;
  uint64_t jwks_fetches() const;

  const provider_options& options() const noexcept { return options_; }

private:
  struct fetched {
    int status = 0;
    std::string body;
    std::string error; ///< Empty when an answer arrived.
  };
  fetched send(std::string_view method, std::string_view url, std::string_view body,
               std::string_view authorization, std::size_t max_body);
  /// Both take `fetch_mutex_`.
  std::variant<provider_metadata, keys_error> load_metadata();
  std::optional<keys_error> load_keys(const provider_metadata& meta);
  std::shared_ptr<const jwk_set> current_keys(uint64_t& generation) const;

  provider_options options_;
  clock now_;
  std::mutex fetch_mutex_; ///< Serialises fetches; never held while verifying.
  mutable std::mutex mutex_;
  std::optional<provider_metadata> metadata_;
  std::shared_ptr<const jwk_set> keys_;
  uint64_t generation_ = 0; ///< Bumped on each new key set.
  std::optional<std::chrono::steady_clock::time_point> last_jwks_fetch_;
  /// The last fetch an unknown `kid` caused: the next one waits `refetch_interval` after it
  /// (the first fetch does not count, so a rotation soon after start is picked up).
  std::optional<std::chrono::steady_clock::time_point> last_kid_refetch_;
  std::optional<std::chrono::steady_clock::time_point> last_failure_;
  uint64_t discovery_fetches_ = 0;
  uint64_t jwks_fetches_ = 0;
  std::unique_ptr<http_out::tls_context> tls_;
};

} // namespace gh::oidc
