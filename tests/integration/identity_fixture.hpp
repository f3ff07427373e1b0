#pragma once

// The fixture of the identity integration suites (identity_test.cpp, identity_recovery_test.cpp):
// one Gatehouse process against the run's real PostgreSQL and Redis, with a 3 s rate window and
// Redis flushed before each test. The whole integration run shares one database: give every
// account a fresh_email().

#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace gh::test {

namespace json = boost::json;
using headers = std::map<std::string, std::string>;

inline const headers json_ct{{"Content-Type", "application/json"}};

inline json::object parse(const std::string& body) {
  return json::parse(body).as_object();
}

inline std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

inline headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

/// The suite's `GATEHOUSE_REFRESH_GRACE`, and a wait that outlasts it.
inline constexpr auto refresh_grace = std::chrono::seconds{2};
inline constexpr auto past_refresh_grace = std::chrono::milliseconds{2600};

/// A unique email address for one test.
inline std::string fresh_email(std::string_view who) {
  return std::string{who} + "-" + crypto::random_token(6) + "@example.com";
}

class IdentityTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-identity-" + crypto::random_token(6));
    std::filesystem::create_directories(dir);
    key = std::make_unique<jwt::signing_key>(jwt::signing_key::generate());
    const auto key_path = (dir / "jwt.pem").string();
    std::ofstream{key_path} << key->private_pem();
    server = new gatehouse_process(
        {{"JWT_SIGNING_KEY_FILE", key_path},
         {"GATEHOUSE_RATE_WINDOW", "3s"},
         {"GATEHOUSE_REFRESH_GRACE", std::to_string(refresh_grace.count()) + "s"},
         {"GATEHOUSE_DATA_DIR", (dir / "data").string()}});
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    std::filesystem::remove_all(dir);
  }

  void SetUp() override {
    // Rate-limit windows are shared by every request from 127.0.0.1: start each test afresh.
    const auto url = required_env("REDIS_URL");
    ASSERT_EQ(std::system(("redis-cli -u " + url + " FLUSHDB >/dev/null").c_str()), 0);
  }

  static http_reply call(const std::string& method, const std::string& target,
                         const std::string& body = {}, headers h = {}) {
    if (!body.empty())
      h.emplace("Content-Type", "application/json");
    return http_call(server->port(), method, target, body, h);
  }

  /// Registers a user by email; returns the 201 body.
  static json::object register_user(const std::string& email,
                                    const std::string& password = "correct horse battery") {
    auto r = call("POST", "/api/v1/auth/register",
                  R"({"email":")" + email + R"(","password":")" + password + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body);
  }

  static json::object login(const std::string& email,
                            const std::string& password = "correct horse battery") {
    auto r = call("POST", "/api/v1/auth/login",
                  R"({"email":")" + email + R"(","password":")" + password + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }

  static int64_t count(const std::string& sql, const std::string& arg) {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};
    return tx.exec_params1(sql, arg)[0].as<int64_t>();
  }

  /// A token signed with the server's own key but carrying `payload` as given.
  static std::string signed_token(const std::string& payload, const std::string& kid) {
    const auto input =
        crypto::base64url_encode(R"({"alg":"EdDSA","typ":"JWT","kid":")" + kid + R"("})") + "." +
        crypto::base64url_encode(payload);
    return input + "." + crypto::base64url_encode(key->sign(input));
  }

  static std::string claims_json(const std::string& iss, const std::string& aud, int64_t iat,
                                 int64_t exp, const std::string& sub) {
    json::object c;
    c["iss"] = iss;
    c["aud"] = aud;
    c["sub"] = sub;
    c["iat"] = iat;
    c["nbf"] = iat;
    c["exp"] = exp;
    c["jti"] = crypto::random_uuid();
    c["tid"] = "00000000-0000-0000-0000-000000000001";
    c["sid"] = crypto::random_uuid();
    return json::serialize(c);
  }

  static inline std::filesystem::path dir;
  static inline std::unique_ptr<jwt::signing_key> key;
  static inline gatehouse_process* server = nullptr;
};

} // namespace gh::test
