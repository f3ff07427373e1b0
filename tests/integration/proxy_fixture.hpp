#pragma once

// The fixture of the proxy suites (proxy_test.cpp, proxy_stream_test.cpp): one real upstream
// service (tests/support/upstream_server.hpp) and one Gatehouse process in front of it with
// four upstreams: `gen` (signed-in users, user_id injected), `open` (no auth), `limited`
// (3 requests per user per rate window) and `down` (nothing listens there).

#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/upstream_server.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace gh::test {

using headers = std::map<std::string, std::string>;

/// A signed-in browser: the session cookies of a cookie-mode registration.
struct browser_session {
  std::string access;
  std::string csrf;
  std::string jar() const { return "theme=dark; gh_access=" + access + "; gh_csrf=" + csrf; }
};

class ProxyTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-proxy-" + crypto::random_token(6));
    std::filesystem::create_directories(dir);
    upstream = new upstream_server();
    upstream->sse_gap = std::chrono::milliseconds{1000};
    const auto down_port = free_port();
    server = new gatehouse_process({
        {"GATEHOUSE_DATA_DIR", (dir / "data").string()},
        {"GATEHOUSE_PUBLIC_URL", "http://127.0.0.1:8080"},
        {"GATEHOUSE_REGISTER_RATE", "100000"},
        {"GATEHOUSE_UPSTREAMS", "gen,open,limited,down"},
        {"UPSTREAM_GEN_PREFIX", "/api/v1/generation"},
        {"UPSTREAM_GEN_URL", upstream->url("/svc")},
        {"UPSTREAM_GEN_TIMEOUT", "3s"},
        {"UPSTREAM_GEN_INJECT_USER_ID", "true"},
        {"UPSTREAM_OPEN_PREFIX", "/api/v1/open"},
        {"UPSTREAM_OPEN_URL", upstream->url()},
        {"UPSTREAM_OPEN_AUTH", "none"},
        {"UPSTREAM_LIMITED_PREFIX", "/api/v1/limited"},
        {"UPSTREAM_LIMITED_URL", upstream->url()},
        {"UPSTREAM_LIMITED_RATE", "3"},
        {"UPSTREAM_DOWN_PREFIX", "/api/v1/down"},
        {"UPSTREAM_DOWN_URL", "http://127.0.0.1:" + std::to_string(down_port)},
    });
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    delete upstream;
    upstream = nullptr;
    std::filesystem::remove_all(dir);
  }

  static uint16_t port() { return server->port(); }

  /// A fresh user's access token.
  static std::string token() { return signed_up_token(port()); }

  /// A fresh user signed in the way a browser is (cookies, CSRF token).
  static browser_session browser() {
    const std::string body =
        R"({"email":"proxy-)" + crypto::random_token(6) +
        R"(@example.com","password":"correct horse battery","session":"cookie"})";
    const auto reply =
        raw_exchange(port(), "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: application/json\r\nConnection: close\r\n"
                             "Content-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
    const auto cookie = [&](const std::string& name) {
      const auto at = reply.find("Set-Cookie: " + name + "=");
      if (at == std::string::npos)
        return std::string{};
      const auto start = at + 12 + name.size() + 1;
      return reply.substr(start, reply.find(';', start) - start);
    };
    browser_session s{cookie("gh_access"), cookie("gh_csrf")};
    EXPECT_FALSE(s.access.empty()) << reply;
    return s;
  }

  /// The user id (`sub`) of an access token, read without verifying (the test made it).
  static std::string subject(const std::string& jwt) {
    const auto first = jwt.find('.');
    const auto payload =
        crypto::base64url_decode(jwt.substr(first + 1, jwt.rfind('.') - first - 1));
    return std::string{
        boost::json::parse(payload.value_or("{}")).as_object().at("sub").as_string()};
  }

  static inline std::filesystem::path dir;
  static inline upstream_server* upstream = nullptr;
  static inline gatehouse_process* server = nullptr;
};

} // namespace gh::test
