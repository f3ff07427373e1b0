#include "tests/support/oidc_peer.hpp"

#include "tests/support/oidc_browser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>

namespace gh::test {

namespace {

namespace json = boost::json;

std::string peer_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string peer_base64url(std::string_view bytes) {
  auto out = peer_base64(bytes);
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (auto& c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> peer_base64url_decode(std::string_view text) {
  std::string std_b64{text};
  for (auto& c : std_b64) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;
  }
  const auto pad = (4 - std_b64.size() % 4) % 4;
  if (pad == 3)
    return std::nullopt;
  std_b64.append(pad, '=');
  std::string out(std_b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(std_b64.data()),
                                static_cast<int>(std_b64.size()));
  if (n < 0)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string peer_random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return peer_base64url(raw);
}

std::string peer_sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return {reinterpret_cast<const char*>(md), len};
}

json::object peer_jwt_part(std::string_view token, std::size_t index) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < index; ++i) {
    start = token.find('.', start);
    if (start == std::string_view::npos)
      return {};
    ++start;
  }
  const auto end = token.find('.', start);
  auto decoded = peer_base64url_decode(token.substr(start, end - start));
  if (!decoded)
    return {};
  boost::system::error_code ec;
  auto value = json::parse(*decoded, ec);
  if (ec || !value.is_object())
    return {};
  return value.as_object();
}

/// The path and query of an absolute `http://127.0.0.1:<port>…` URL.
std::string peer_target(const std::string& url) {
  const auto slash = url.find('/', std::string_view{"http://"}.size());
  return slash == std::string::npos ? "/" : url.substr(slash);
}

/// http_call with the `Host` a browser sends (with the port: oidc-provider builds the URLs of its
/// answers from it).
http_reply peer_call(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = {},
                     std::map<std::string, std::string> headers = {}) {
  headers["host"] = "127.0.0.1:" + std::to_string(port);
  return http_call(port, method, target, body, headers);
}

} // namespace

boost::json::object jwt_payload(std::string_view token) {
  return peer_jwt_part(token, 1);
}

boost::json::object jwt_header(std::string_view token) {
  return peer_jwt_part(token, 0);
}

oidc_peer::oidc_peer(oidc_peer_options options) : redirect_uris_(options.redirect_uris) {
  const std::filesystem::path dir = std::filesystem::path{GH_SOURCE_DIR} / "tests/support/oidc";
  if (!std::filesystem::exists(dir / "node_modules/oidc-provider")) {
    ADD_FAILURE() << "the OIDC peer's npm packages are missing: npm ci --prefix " << dir.string()
                  << " (deploy/local/test.sh does it)";
    return;
  }
  std::vector<std::string> argv{"node",
                                (dir / "provider.mjs").string(),
                                "--client-a",
                                options.client_a_id + ":" + options.client_a_secret,
                                "--client-b",
                                options.client_b_id + ":" + options.client_b_secret,
                                "--cognito-client",
                                options.cognito_client_id,
                                "--port-a",
                                std::to_string(options.port_a),
                                "--port-b",
                                std::to_string(options.port_b),
                                "--port-cognito",
                                std::to_string(options.port_cognito)};
  for (const auto& uri : options.redirect_uris) {
    argv.emplace_back("--redirect-uri");
    argv.push_back(uri);
  }
  child_ = std::make_unique<child_process>(std::move(argv), std::map<std::string, std::string>{});
  auto line = child_->wait_for_line("\"ready\":true", std::chrono::seconds{30});
  if (!line) {
    ADD_FAILURE() << "the OIDC peer did not start:\n" << child_->stderr_text();
    return;
  }
  const auto ready = json::parse(*line).as_object();
  const char* names[] = {"a", "b", "cognito"};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& o = ready.at(names[i]).as_object();
    info_[i].issuer = std::string{o.at("issuer").as_string()};
    info_[i].port = static_cast<uint16_t>(o.at("port").to_number<int>());
    info_[i].client_id = std::string{o.at("client_id").as_string()};
    if (const auto* secret = o.if_contains("client_secret"))
      info_[i].client_secret = std::string{secret->as_string()};
  }
  ready_ = true;
}

oidc_peer::~oidc_peer() {
  if (child_) {
    child_->signal(SIGTERM);
    child_->wait_exit(std::chrono::seconds{5}); // else child_process's destructor kills it
  }
}

const oidc_issuer_info& oidc_peer::info(oidc_issuer which) const {
  return info_[static_cast<std::size_t>(which)];
}

http_reply oidc_peer::get(oidc_issuer which, const std::string& path) const {
  return peer_call(info(which).port, "GET", path);
}

boost::json::object oidc_peer::discovery(oidc_issuer which) const {
  const auto reply =
      get(which, peer_target(info(which).issuer + "/.well-known/openid-configuration"));
  if (reply.status != 200)
    return {};
  boost::system::error_code ec;
  auto value = json::parse(reply.body, ec);
  return !ec && value.is_object() ? value.as_object() : json::object{};
}

oidc_authorization oidc_peer::authorization(oidc_issuer which, const std::string& redirect_uri,
                                            const std::string& scope) const {
  oidc_authorization out;
  out.redirect_uri = redirect_uri;
  out.state = peer_random_token(16);
  out.nonce = peer_random_token(16);
  out.code_verifier = peer_random_token(32);
  const auto endpoint = discovery(which).at("authorization_endpoint").as_string();
  out.url = std::string{endpoint} + "?" +
            form_encode({{"response_type", "code"},
                         {"client_id", info(which).client_id},
                         {"redirect_uri", redirect_uri},
                         {"scope", scope},
                         {"state", out.state},
                         {"nonce", out.nonce},
                         {"code_challenge", peer_base64url(peer_sha256(out.code_verifier))},
                         {"code_challenge_method", "S256"}});
  return out;
}

http_reply oidc_peer::redeem(oidc_issuer which, const std::string& code,
                             const std::string& code_verifier,
                             const std::string& redirect_uri) const {
  const auto& i = info(which);
  // RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined.
  const auto credentials = form_encode({{"id", i.client_id}}).substr(3) + ":" +
                           form_encode({{"s", i.client_secret}}).substr(2);
  const auto endpoint = discovery(which).at("token_endpoint").as_string();
  return peer_call(i.port, "POST", peer_target(std::string{endpoint}),
                   form_encode({{"grant_type", "authorization_code"},
                                {"code", code},
                                {"code_verifier", code_verifier},
                                {"redirect_uri", redirect_uri}}),
                   {{"content-type", "application/x-www-form-urlencoded"},
                    {"authorization", "Basic " + peer_base64(credentials)}});
}

boost::json::object oidc_peer::sign_in(oidc_issuer which, const std::string& login) const {
  const auto redirect = redirect_uris_.empty() ? std::string{} : redirect_uris_.front();
  const auto request = authorization(which, redirect);
  oidc_browser browser;
  const auto landed = browser.authorize(request.url, redirect, login);
  if (!landed) {
    std::string steps;
    for (const auto& s : browser.trace())
      steps += s + "\n";
    ADD_FAILURE() << "the sign-in of " << login << " did not reach " << redirect << ":\n" << steps;
    return {};
  }
  const auto code = query_param(*landed, "code");
  if (!code || query_param(*landed, "state") != request.state) {
    ADD_FAILURE() << "no code or another state in " << *landed;
    return {};
  }
  const auto reply = redeem(which, *code, request.code_verifier, redirect);
  boost::system::error_code ec;
  auto value = json::parse(reply.body, ec);
  if (reply.status != 200 || ec || !value.is_object()) {
    ADD_FAILURE() << "the token request answered " << reply.status << ": " << reply.body;
    return {};
  }
  return value.as_object();
}

std::string oidc_peer::mint(const boost::json::object& claims, const std::string& sign,
                            const boost::json::object& header) const {
  json::object body{{"claims", claims}, {"sign", sign}};
  if (!header.empty())
    body["header"] = header;
  const auto reply = peer_call(cognito().port, "POST", "/mint", json::serialize(body),
                               {{"content-type", "application/json"}});
  if (reply.status != 200) {
    ADD_FAILURE() << "mint answered " << reply.status << ": " << reply.body;
    return {};
  }
  return reply.body;
}

boost::json::object oidc_peer::cognito_access_claims(const std::string& sub) const {
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  return {{"sub", sub},
          {"token_use", "access"},
          {"client_id", cognito().client_id},
          {"scope", "openid email profile"},
          {"username", sub},
          {"auth_time", now},
          {"jti", peer_random_token(12)},
          {"origin_jti", peer_random_token(12)},
          {"event_id", peer_random_token(12)}};
}

boost::json::object oidc_peer::cognito_id_claims(const std::string& sub) const {
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto email = sub.find('@') != std::string::npos ? sub : sub + "@example.test";
  return {{"sub", sub},
          {"token_use", "id"},
          {"aud", cognito().client_id},
          {"email", email},
          {"email_verified", sub.find("unverified") == std::string::npos},
          {"cognito:username", sub},
          {"auth_time", now},
          {"jti", peer_random_token(12)},
          {"origin_jti", peer_random_token(12)},
          {"event_id", peer_random_token(12)}};
}

std::string oidc_peer::rotate(bool keep_previous) const {
  const json::object body{{"keep_previous", keep_previous}};
  const auto reply = peer_call(cognito().port, "POST", "/rotate", json::serialize(body),
                               {{"content-type", "application/json"}});
  boost::system::error_code ec;
  auto value = json::parse(reply.body, ec);
  if (reply.status != 200 || ec || !value.is_object()) {
    ADD_FAILURE() << "rotate answered " << reply.status << ": " << reply.body;
    return {};
  }
  return std::string{value.as_object().at("kid").as_string()};
}

int oidc_peer::requests_to(oidc_issuer which, const std::string& path) const {
  const auto reply = get(which, "/peer/stats");
  boost::system::error_code ec;
  auto value = json::parse(reply.body, ec);
  if (reply.status != 200 || ec || !value.is_object())
    return -1;
  const auto* n = value.as_object().at("requests").as_object().if_contains(path);
  return n == nullptr ? 0 : n->to_number<int>();
}

std::string oidc_peer::log() const {
  return child_ ? child_->stderr_text() : std::string{};
}

} // namespace gh::test
