#include "providers/stripe/client.hpp"

#include "config/log.hpp"
#include "providers/loopback.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <openssl/rand.h>

#include <array>
#include <optional>
#include <thread>

namespace gh::stripe {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

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

struct client::tls_context {
  ssl::context ctx{ssl::context::tls_client};
};

/// One kept-alive connection and the io_context its operations run on.
struct client::connection {
  net::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
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
  if (tls_) {
    tls_context_ = std::make_unique<tls_context>();
    tls_context_->ctx.set_default_verify_paths();
    tls_context_->ctx.set_verify_mode(ssl::verify_peer);
    tls_context_->ctx.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  }
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
      conn = std::make_unique<connection>();
      boost::system::error_code ec;
      tcp::resolver resolver{conn->ioc};
      const auto endpoints = resolver.resolve(host_, port_, ec);
      if (ec)
        return fail_network("resolve");
      if (tls_) {
        conn->secure.emplace(conn->ioc, tls_context_->ctx);
        auto* ssl_handle = conn->secure->native_handle();
        if (SSL_set_tlsext_host_name(ssl_handle, host_.c_str()) != 1)
          return fail_network("sni");
        conn->secure->set_verify_callback(ssl::host_name_verification{host_});
      } else {
        conn->plain.emplace(conn->ioc);
      }
      auto& stream = conn->tcp();
      stream.expires_after(options_.connect_timeout);
      stream.async_connect(
          endpoints, [&ec](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
      conn->ioc.run();
      conn->ioc.restart();
      if (ec)
        return fail_network("connect");
      if (tls_) {
        conn->secure->async_handshake(ssl::stream_base::client,
                                      [&ec](const boost::system::error_code& e) { ec = e; });
        conn->ioc.run();
        conn->ioc.restart();
        if (ec)
          return fail_network("tls handshake");
      }
    }

    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, host_);
    req.set(http::field::authorization, "Bearer " + options_.secret_key.reveal());
    req.set("Stripe-Version", std::string{api_version});
    req.set(http::field::user_agent, "Gatehouse");
    req.set(http::field::accept, "application/json");
    if (!idempotency_key.empty())
      req.set("Idempotency-Key", idempotency_key);
    if (method == "POST")
      req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();

    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(64 * 1024);
    boost::system::error_code write_ec;
    boost::system::error_code read_ec;
    conn->tcp().expires_after(options_.request_timeout);
    const auto run_exchange = [&](auto& stream) {
      http::async_write(stream, req, [&](const boost::system::error_code& e, std::size_t) {
        write_ec = e;
        if (e)
          return;
        http::async_read(stream, conn->buffer, parser,
                         [&](const boost::system::error_code& r, std::size_t) { read_ec = r; });
      });
    };
    if (tls_)
      run_exchange(*conn->secure);
    else
      run_exchange(*conn->plain);
    conn->ioc.run();
    conn->ioc.restart();
    if (write_ec || read_ec) {
      const auto ec = write_ec ? write_ec : read_ec;
      const bool closed_by_peer = ec == http::error::end_of_stream || ec == net::error::eof ||
                                  ec == net::error::connection_reset ||
                                  ec == net::error::broken_pipe;
      const bool nothing_arrived = !parser.got_some();
      conn.reset();
      // A kept-alive connection the server had closed meanwhile: send once more on a fresh one
      // before counting an attempt (a timeout is an attempt).
      if (reused && round == 0 && nothing_arrived && closed_by_peer)
        continue;
      return fail_network(write_ec ? "write" : "read");
    }

    const auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    if (auto it = res.find("Request-Id"); it != res.end())
      out.request_id = std::string{it->value()};
    const auto should_retry = res.find("Stripe-Should-Retry");
    boost::system::error_code parse_ec;
    auto parsed = boost::json::parse(res.body(), parse_ec);
    boost::json::object object;
    if (!parse_ec && parsed.is_object())
      object = std::move(parsed.as_object());
    if (res.keep_alive())
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
    if (should_retry != res.end())
      retryable = should_retry->value() == "true";
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
