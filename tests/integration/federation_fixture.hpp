#pragma once

// The fixture of the federation suites (federation_test.cpp, federation_tokens_test.cpp): the
// OpenID providers of tests/support/oidc/ (two oidc-provider issuers and a Cognito-shaped one)
// and one Gatehouse configured with all three, plus one that is down, in front of one internal
// service (the proxy's upstream `gen`).

#include "crypto/crypto.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/oidc_browser.hpp"
#include "tests/support/oidc_peer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/upstream_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

namespace gh::test {

namespace json = boost::json;

class FederationTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-federation-" + gh::crypto::random_token(6));
    std::filesystem::create_directories(dir);
    peer = new oidc_peer();
    ASSERT_TRUE(peer->ready());
    upstream = new upstream_server();
    gh_port = free_port();
    down_issuer = "http://127.0.0.1:" + std::to_string(free_port());
    base = "http://127.0.0.1:" + std::to_string(gh_port);
    server = new gatehouse_process({
        {"GATEHOUSE_DATA_DIR", (dir / "data").string()},
        {"GATEHOUSE_LISTEN", "127.0.0.1:" + std::to_string(gh_port)},
        {"GATEHOUSE_PUBLIC_URL", base},
        {"GATEHOUSE_REGISTER_RATE", "100000"},
        {"GATEHOUSE_LOGIN_RATE", "100000"},
        {"GATEHOUSE_ALLOWED_REDIRECTS", "https://app.example.test"},
        {"GATEHOUSE_UPSTREAMS", "gen"},
        {"UPSTREAM_GEN_PREFIX", "/api/v1/generation"},
        {"UPSTREAM_GEN_URL", upstream->url("/svc")},
        {"OIDC_PROVIDERS", "alpha,beta,cognito,down"},
        {"OIDC_ALPHA_ISSUER", peer->a().issuer},
        {"OIDC_ALPHA_CLIENT_ID", peer->a().client_id},
        {"OIDC_ALPHA_CLIENT_SECRET", peer->a().client_secret},
        {"OIDC_ALPHA_ACCEPT_TOKENS", "access"},
        {"OIDC_BETA_ISSUER", peer->b().issuer},
        {"OIDC_BETA_CLIENT_ID", peer->b().client_id},
        {"OIDC_BETA_CLIENT_SECRET", peer->b().client_secret},
        {"OIDC_BETA_TRUST_EMAIL", "true"},
        {"OIDC_COGNITO_ISSUER", peer->cognito().issuer},
        {"OIDC_COGNITO_CLIENT_ID", peer->cognito().client_id},
        {"OIDC_COGNITO_ACCEPT_TOKENS", "access,id"},
        {"OIDC_DOWN_ISSUER", down_issuer},
        {"OIDC_DOWN_CLIENT_ID", "nobody"},
        {"OIDC_DOWN_ACCEPT_TOKENS", "access"},
    });
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    delete peer;
    peer = nullptr;
    delete upstream;
    upstream = nullptr;
    std::filesystem::remove_all(dir);
  }

  static std::string callback_prefix(const std::string& provider) {
    return base + "/api/v1/auth/oidc/" + provider + "/callback";
  }

  /// Starts a sign-in at Gatehouse in `b`, walks the provider's forms as `login`, and returns
  /// the callback URL the provider sent the browser to (not yet followed).
  static std::string to_callback(oidc_browser& b, const std::string& provider,
                                 const std::string& login, const std::string& query = {}) {
    auto url = b.authorize(base + "/api/v1/auth/oidc/" + provider + "/login" + query,
                           callback_prefix(provider), login);
    EXPECT_TRUE(url.has_value()) << testing::PrintToString(b.trace());
    return url.value_or("");
  }

  /// A whole sign-in; the callback's answer.
  static browser_reply sign_in(oidc_browser& b, const std::string& provider,
                               const std::string& login, const std::string& query = {}) {
    return b.request("GET", to_callback(b, provider, login, query));
  }

  static json::object me(oidc_browser& b) {
    const auto access = b.cookie(base + "/", "gh_access");
    EXPECT_TRUE(access.has_value());
    auto r = http_call(gh_port, "GET", "/api/v1/users/me", {},
                       {{"Authorization", "Bearer " + access.value_or("")}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object{};
  }

  static json::array identities(oidc_browser& b) {
    auto m = me(b);
    return m.contains("identities") ? m.at("identities").as_array() : json::array{};
  }

  /// A fresh login name, lower case (Gatehouse stores addresses lower-cased, as identity does).
  /// `GET /api/v1/users/me` with `token` as bearer.
  static http_reply me_with(const std::string& token) {
    return http_call(gh_port, "GET", "/api/v1/users/me", {},
                     {{"Authorization", "Bearer " + token}});
  }

  static std::string unique(const std::string& prefix) {
    auto token = gh::crypto::to_hex(gh::crypto::random_bytes(4));
    return prefix + "-" + token;
  }

  static std::string field_of(const std::string& problem_body) {
    auto p = json::parse(problem_body).as_object();
    return std::string{p.at("errors").as_array().at(0).as_object().at("field").as_string()};
  }

  static inline std::filesystem::path dir;
  static inline oidc_peer* peer = nullptr;
  static inline upstream_server* upstream = nullptr;
  static inline gatehouse_process* server = nullptr;
  static inline uint16_t gh_port = 0;
  static inline std::string base;
  static inline std::string down_issuer;
};

} // namespace gh::test
