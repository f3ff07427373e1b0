#pragma once

// The fixture of the tenancy suites (records_test.cpp, orgs_test.cpp): one Gatehouse process
// against the run's PostgreSQL, Redis and NATS, mailing through an SMTP sink of its own. The
// integration run shares one database: every test makes fresh users and organizations and
// counts only its own rows.

#include "crypto/crypto.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/smtp_sink.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gh::test {

namespace json = boost::json;
using headers = std::map<std::string, std::string>;

/// A signed-up user of the tenancy suites.
struct account {
  std::string id;
  std::string email;
  std::string token;
};

class TenancyTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-tenancy-" + crypto::random_token(6));
    std::filesystem::create_directories(dir);
    sink = new smtp_sink();
    server = new gatehouse_process({{"GATEHOUSE_DATA_DIR", (dir / "data").string()},
                                    {"SMTP_URL", sink->url()},
                                    {"GATEHOUSE_PUBLIC_URL", "http://app.example"},
                                    {"GATEHOUSE_REGISTER_RATE", "100000"},
                                    {"GATEHOUSE_LOGIN_RATE", "100000"}});
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    delete sink;
    sink = nullptr;
    std::filesystem::remove_all(dir);
  }

  static uint16_t port() { return server->port(); }

  /// A request as `who` (bearer), JSON body when `body` is not empty.
  static http_reply call(const std::string& method, const std::string& target, const account& who,
                         const std::string& body = {}, headers h = {}) {
    if (!body.empty())
      h.emplace("Content-Type", "application/json");
    if (!who.token.empty())
      h.emplace("Authorization", "Bearer " + who.token);
    return http_call(port(), method, target, body, h);
  }

  /// Parses a response; deep enough for a record whose data nests the 32 levels it may.
  static json::value parse(const std::string& text) {
    json::parse_options opt;
    opt.max_depth = 64;
    return json::parse(text, {}, opt);
  }

  static std::string str(const json::value& v, std::string_view key) {
    const auto* member = v.as_object().if_contains(key);
    return member != nullptr && member->is_string() ? std::string{member->as_string()} : "";
  }

  /// Registers a user with a fresh address (`who-<random>@example.com`).
  static account sign_up(std::string_view who) {
    account a;
    a.email = std::string{who} + "-" + crypto::random_token(6) + "@example.com";
    std::transform(a.email.begin(), a.email.end(), a.email.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    auto r = http_call(port(), "POST", "/api/v1/auth/register",
                       R"({"email":")" + a.email + R"(","password":"correct horse battery"})",
                       {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = json::parse(r.body);
    a.id = std::string{v.at("user").at("id").as_string()};
    a.token = std::string{v.at("access_token").as_string()};
    return a;
  }

  /// Creates an organization owned by `owner`; its id.
  static std::string create_org(const account& owner, const std::string& name = "Acme") {
    auto r = call("POST", "/api/v1/orgs", owner, R"({"name":")" + name + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return str(parse(r.body), "id");
  }

  /// The invitation token of invitation `id`, as the mail's link carries it (read from the
  /// outbox row of its `email.send`, without waiting for the mail).
  static std::string invitation_token(const std::string& id) {
    auto rows = sql("SELECT payload->'data'->'vars'->>'invite_url' FROM outbox "
                    "WHERE payload->'data'->>'idempotency_key' = 'org_invitation:' || $1",
                    id);
    EXPECT_EQ(rows.size(), 1U);
    if (rows.empty())
      return {};
    const auto url = rows[0][0].as<std::string>();
    const auto at = url.find("token=");
    return at == std::string::npos ? std::string{} : url.substr(at + 6);
  }

  /// `inviter` invites `who` into `org` as `role` and `who` accepts.
  static void join(const std::string& org, const account& inviter, const account& who,
                   const std::string& role) {
    auto invited = call("POST", "/api/v1/orgs/" + org + "/invitations", inviter,
                        R"({"email":")" + who.email + R"(","role":")" + role + R"("})");
    ASSERT_EQ(invited.status, 201) << invited.body;
    const auto token = invitation_token(str(parse(invited.body), "id"));
    auto accepted =
        call("POST", "/api/v1/orgs/invitations/accept", who, R"({"token":")" + token + R"("})");
    ASSERT_EQ(accepted.status, 200) << accepted.body;
  }

  /// Creates a record in `collection` (of `org` when given) with `data`; its id.
  static std::string create_record(const account& who, const std::string& collection,
                                   const std::string& data, const std::string& org = {}) {
    auto r = call("POST", records_path(collection, org), who, R"({"data":)" + data + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? str(parse(r.body), "id") : std::string{};
  }

  /// `/api/v1[/orgs/{org}]/collections/{collection}/records[/{id}]`.
  static std::string records_path(const std::string& collection, const std::string& org = {},
                                  const std::string& id = {}) {
    std::string p = "/api/v1";
    if (!org.empty())
      p += "/orgs/" + org;
    p += "/collections/" + collection + "/records";
    if (!id.empty())
      p += "/" + id;
    return p;
  }

  /// Runs `query` with `arg` straight against PostgreSQL as the run's superuser.
  static pqxx::result sql(const std::string& query, const std::string& arg) {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};
    return tx.exec_params(query, arg);
  }

  static int64_t count(const std::string& query, const std::string& arg) {
    return sql(query, arg)[0][0].as<int64_t>();
  }

  /// The problem slug of a problem answer (`not-found`, ...).
  static std::string slug(const http_reply& r) {
    const auto type = str(parse(r.body), "type");
    const auto slash = type.rfind('/');
    return slash == std::string::npos ? type : type.substr(slash + 1);
  }

  static inline std::filesystem::path dir;
  static inline smtp_sink* sink = nullptr;
  static inline gatehouse_process* server = nullptr;
};

/// Reads frames from `ws` until one with `"event": event` arrives; its `data`, or nullopt.
inline std::optional<json::object> next_event(ws_client& ws, std::string_view event,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto frame = ws.read(std::max(left, std::chrono::milliseconds{1}));
    if (!frame)
      return std::nullopt;
    auto v = json::parse(*frame);
    if (const auto* e = v.as_object().if_contains("event");
        e != nullptr && e->is_string() && e->as_string() == event)
      return v.at("data").as_object();
  }
  return std::nullopt;
}

/// True when nothing but the reply to a probe command reaches `ws`: whatever was pushed to it
/// before the probe would arrive first.
inline bool nothing_pushed(ws_client& ws) {
  const std::string id = "probe-" + crypto::random_token(4);
  ws.send_text(R"({"id":")" + id + R"(","cmd":"me"})");
  const auto frame = ws.read();
  if (!frame)
    return false;
  const auto v = json::parse(*frame);
  const auto* o = v.if_object();
  return o != nullptr && !o->contains("event") && o->contains("id") && o->at("id") == id.c_str();
}

} // namespace gh::test
