#include "providers/stripe/client.hpp"

#include "config/log.hpp"
#include "providers/http_client.hpp"
#include "providers/loopback.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <openssl/rand.h>

#include <array>
#include <thread>

namespace gh::stripe {

namespace {

bool unreserved(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void append_encoded(std::string& out, std::string_view text) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0f]);
    }
  }
}

std::string random_key() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("no randomness for an idempotency key");
  std::string out = "gh-";
  static constexpr std::string_view hex = "0123456789abcdef";
  for (const auto b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0x0f]);
  }
  return out;
}

std::string string_field(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

} // namespace

std::string encode_form(const form& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty())
      out.push_back('&');
    append_encoded(out, key);
    out.push_back('=');
    append_encoded(out, value);
  }
  return out;
}

void map_error(int status, const boost::json::object& body, result& out) {
  out.status = status;
  const boost::json::object* error = nullptr;
  if (const auto* e = body.if_contains("error"); e != nullptr && e->is_object())
    error = &e->get_object();
  const auto type = error != nullptr ? string_field(*error, "type") : std::string{};
  out.code = error != nullptr ? string_field(*error, "code") : std::string{};
  out.param = error != nullptr ? string_field(*error, "param") : std::string{};
  const auto message = error != nullptr ? string_field(*error, "message") : std::string{};
  if (status == 401 || status == 403) {
    // Stripe's message quotes part of the key; callers learn only that the key was refused.
    out.error = gh_errc::provider_unavailable;
    out.detail = "Stripe refused Gatehouse's API key";
    return;
  }
  if (status == 429 || status >= 500 || status == 0) {
    out.error = gh_errc::provider_unavailable;
    out.detail = status == 429 ? "Stripe is rate limiting; try again later"
                               : "Stripe is unavailable; try again later";
    return;
  }
  if (status == 404) {
    out.error = gh_errc::not_found;
    out.detail = message.empty() ? "Stripe has no such object" : message;
    return;
  }
  if (status == 409 || type == "idempotency_error") {
    out.error = gh_errc::conflict;
    out.detail = message.empty() ? "Stripe refused a conflicting request" : message;
    return;
  }
  out.error = gh_errc::validation;
  out.detail = message.empty() ? "Stripe refused the request" : message;
}

/// One kept-alive connection of the shared outbound client.
struct client::connection {
  explicit connection(const http_out::tls_context* tls, const std::string& host)
      : link(tls, host) {}
  http_out::connection link;
};

client::client(client_options options) : options_(std::move(options)) {
  const auto url = boost::urls::parse_absolute_uri(options_.api_base);
  if (!url || !url->has_authority() || url->host().empty())
    return;
  const auto scheme = url->scheme();
  host_ = url->host();
  if (scheme == "https") {
    tls_ = true;
  } else if (scheme == "http" && is_loopback_host(host_)) {
    tls_ = false; // a test double on this machine; the key never leaves it in clear text
  } else {
    return;
  }
  port_ = url->has_port() ? std::string{url->port()} : std::string{tls_ ? "443" : "80"};
  base_path_ = url->path();
  while (!base_path_.empty() && base_path_.back() == '/')
    base_path_.pop_back();
  if (tls_)
    tls_context_ = std::make_unique<http_out::tls_context>();
  usable_ = true;
}

client::~client() = default;

result client::get(std::string_view path, const form& params) {
  std::string target{path};
  if (!params.empty())
    target += "?" + encode_form(params);
  return call("GET", std::move(target), {}, {});
}

result client::post(std::string_view path, const form& params, std::string idempotency_key) {
  if (idempotency_key.empty())
    idempotency_key = random_key();
  return call("POST", std::string{path}, encode_form(params), idempotency_key);
}

result client::del(std::string_view path) {
  return call("DELETE", std::string{path}, {}, {});
}

result client::call(std::string_view method, std::string target, const std::string& body,
                    const std::string& idempotency_key) {
  result out;
  if (!usable_) {
    out.error = gh_errc::not_configured;
    out.detail = "STRIPE_API_BASE is not usable";
    return out;
  }
  target = base_path_ + target;
  auto delay = options_.first_backoff;
  for (int attempt_no = 1;; ++attempt_no) {
    bool retryable = false;
    out = attempt(method, target, body, idempotency_key, retryable);
    if (out.ok() || !retryable || attempt_no >= options_.max_attempts)
      break;
    log::warn("stripe call failed, retrying", {{"method", std::string{method}},
                                               {"status", out.status},
                                               {"attempt", attempt_no},
                                               {"request_id", out.request_id}});
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
  return out;
}

std::unique_ptr<client::connection> client::take_connection() {
  {
    std::lock_guard guard{mutex_};
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return nullptr;
}

void client::give_back(std::unique_ptr<connection> c) {
  std::lock_guard guard{mutex_};
  if (idle_.size() < options_.max_idle_connections)
    idle_.push_back(std::move(c));
}

result client::attempt(std::string_view method, const std::string& target, const std::string& body,
                       const std::string& idempotency_key, bool& retryable) {
  result out;
  const auto fail_network = [&](std::string_view what) {
    out.error = gh_errc::provider_unavailable;
    out.status = 0;
    out.detail = "Stripe is unavailable; try again later";
    retryable = true;
    log::warn("stripe unreachable", {{"step", std::string{what}}});
    return out;
  };

  // A kept-alive connection may have been closed by the server meanwhile; a request that fails
  // on one before any answer arrived is sent again on a fresh connection.
  auto conn = take_connection();
  const bool reused = conn != nullptr;
  for (int round = 0; round < 2; ++round) {
    if (!conn) {
      conn = std::make_unique<connection>(tls_context_.get(), host_);
      if (const auto failed = conn->link.open({}, port_, options_.connect_timeout); !failed.empty())
        return fail_network(failed);
    }

    http_out::request req{method, target, {}, body};
    req.headers = {{"Authorization", "Bearer " + options_.secret_key.reveal()},
                   {"Stripe-Version", std::string{api_version}},
                   {"User-Agent", "Gatehouse"},
                   {"Accept", "application/json"}};
    if (!idempotency_key.empty())
      req.headers.emplace_back("Idempotency-Key", idempotency_key);
    if (method == "POST")
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    http_out::limits lim;
    lim.timeout = options_.request_timeout;
    lim.max_body = options_.max_response_bytes;
    auto res = conn->link.exchange(req, lim);
    if (!res.error.empty()) {
      conn.reset();
      // A kept-alive connection the server had closed meanwhile: send once more on a fresh one
      // before counting an attempt (a timeout is an attempt).
      if (reused && round == 0 && res.closed_before_answer)
        continue;
      return fail_network(res.error == "write" ? "write" : "read");
    }

    out.status = res.status;
    if (const auto* id = res.header("Request-Id"))
      out.request_id = *id;
    const auto* should_retry = res.header("Stripe-Should-Retry");
    boost::system::error_code parse_ec;
    auto parsed = boost::json::parse(res.body, parse_ec);
    boost::json::object object;
    if (!parse_ec && parsed.is_object())
      object = std::move(parsed.as_object());
    if (res.keep_alive)
      give_back(std::move(conn));
    if (out.status >= 200 && out.status < 300) {
      if (parse_ec || !parsed.is_object()) {
        out.error = gh_errc::provider_unavailable;
        out.detail = "Stripe answered something that is not a JSON object";
        return out;
      }
      out.body = std::move(object);
      return out;
    }
    map_error(out.status, object, out);
    if (should_retry != nullptr)
      retryable = *should_retry == "true";
    else
      retryable = out.status == 429 || out.status >= 500;
    return out;
  }
  return fail_network("reconnect");
}

std::shared_ptr<client> client_of(const config::settings& s) {
  if (s.stripe_secret_key.empty())
    return nullptr;
  client_options o;
  o.api_base = s.stripe_api_base;
  o.secret_key = s.stripe_secret_key;
  return std::make_shared<client>(std::move(o));
}

} // namespace gh::stripe
