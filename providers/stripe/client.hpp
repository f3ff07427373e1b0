#pragma once

#include "config/secret.hpp"
#include "config/settings.hpp"
#include "messages/gh_errc.hpp"
#include "providers/http_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Gatehouse's client of Stripe's REST API.
namespace gh::stripe {

/// Request parameters in Stripe's form encoding: bracketed keys name nested fields
/// (`metadata[user_id]`, `line_items[0][price]`), in the order given.
using form = std::vector<std::pair<std::string, std::string>>;

/// `application/x-www-form-urlencoded` text of `params`: every byte outside the unreserved set
/// (ALPHA, DIGIT, `-._~`) percent-encoded, brackets included.
std::string encode_form(const form& params);

/// The Stripe API version every request pins (`Stripe-Version`), so the shapes Gatehouse reads
/// do not change under it when the account's default version moves.
inline constexpr std::string_view api_version = "2024-06-20";

/// How a call ended.
struct result {
  gh_errc error = gh_errc::ok; ///< `ok` for a 2xx answer.
  int status = 0;              ///< Stripe's HTTP status; 0 when none arrived.
  boost::json::object body;    ///< The object Stripe answered (2xx).
  std::string detail;          ///< Why it failed, safe to show a caller; never the key.
  std::string param;           ///< The request parameter Stripe blamed, if any.
  std::string code;            ///< Stripe's error code (`resource_missing`, ...), if any.
  std::string request_id;      ///< Stripe's `Request-Id`, for support requests.

  bool ok() const noexcept { return error == gh_errc::ok; }
};

/// Where and how the client talks to Stripe.
struct client_options {
  std::string api_base = "https://api.stripe.com"; ///< `STRIPE_API_BASE`
  config::secret secret_key;                       ///< `STRIPE_SECRET_KEY`
  /// Every attempt together stays under the gateway's 30 s handler timeout:
  /// 3 × (3 s + 6 s) + 0.3 s + 0.6 s.
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{6000};
  /// Attempts per call (the first included) on network errors, 429 and 5xx.
  int max_attempts = 3;
  /// Delay before the second attempt; doubled for each one after it.
  std::chrono::milliseconds first_backoff{300};
  std::size_t max_response_bytes = std::size_t{4} * 1024 * 1024;
  /// Kept-alive connections reused by later calls.
  std::size_t max_idle_connections = 8;
};

/// A blocking Stripe client: call it from a thread that may block (a detached actor).
/// Thread-safe; kept-alive connections are shared between callers.
///
/// HTTPS with the system's CA certificates, host-name verification and SNI; plain HTTP only
/// towards a loopback address (a test double). Every request sends `Authorization: Bearer`,
/// the pinned `Stripe-Version` and form-encoded parameters; every POST carries an
/// `Idempotency-Key`, the same on each retry, so a retried POST never acts twice. Network
/// errors, 429 and 5xx are retried with exponential backoff unless Stripe answers
/// `Stripe-Should-Retry: false`. Stripe's error objects map to Gatehouse problems: 400/402 ->
/// `validation`, 404 -> `not_found`, 409 -> `conflict`, anything that says Stripe cannot be
/// used right now (outage, 429 after the retries, a refused API key) ->
/// `provider_unavailable`.
class client {
public:
  explicit client(client_options options);
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// `GET path?params`.
  result get(std::string_view path, const form& params = {});

  /// `POST path` with `params`; `idempotency_key` identifies the operation (a fresh random key
  /// when empty).
  result post(std::string_view path, const form& params, std::string idempotency_key);

  /// `DELETE path`.
  result del(std::string_view path);

  /// True when `api_base` is usable (https, or http towards loopback).
  bool usable() const noexcept { return usable_; }

private:
  struct connection;

  result call(std::string_view method, std::string target, const std::string& body,
              const std::string& idempotency_key);
  result attempt(std::string_view method, const std::string& target, const std::string& body,
                 const std::string& idempotency_key, bool& retryable);
  std::unique_ptr<connection> take_connection();
  void give_back(std::unique_ptr<connection> c);

  client_options options_;
  bool usable_ = false;
  bool tls_ = true;
  std::string host_;
  std::string port_;
  std::string base_path_; ///< a path prefix of `api_base`, without the trailing '/'
  std::unique_ptr<http_out::tls_context> tls_context_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<connection>> idle_;
};

/// Maps a Stripe error answer (`status` and its `{"error": {...}}` body) onto `out`.
void map_error(int status, const boost::json::object& body, result& out);

/// The client of the configuration (`STRIPE_SECRET_KEY`, `STRIPE_API_BASE`), or null without a
/// secret key. Check `usable()` before use.
std::shared_ptr<client> client_of(const config::settings& s);

} // namespace gh::stripe
