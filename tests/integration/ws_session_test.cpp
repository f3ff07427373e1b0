// A WebSocket is bound to the session it was opened with: logout, a password change (for the
// other sessions), an admin disable, account deletion and the access token's expiry close it
// with 1008 — unless the client re-authenticates over the socket with a fresh token — and a
// closed socket gets no pushes. Real Gatehouse processes against the run's PostgreSQL, Redis
// and NATS.

#include "tests/integration/identity_fixture.hpp"

#include <thread>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

class WebSocketSessionTest : public IdentityTest {
protected:
  /// Waits until `ws` is closed by the server; its close code (0 when still open).
  static int closed_with(ws_client& ws, std::chrono::milliseconds within = 3s) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      if (!ws.read(200ms).has_value() && ws.close_code() != 0)
        return ws.close_code();
    }
    return ws.close_code();
  }

  /// An admin key with `users:write`, written straight into the database.
  static std::string admin_key() {
    const auto key = "gh_test_" + crypto::random_token(24);
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::work tx{conn};
    tx.exec_params("INSERT INTO api_keys (id, name, prefix, key_hash, scopes) VALUES ($1::uuid, "
                   "'ws test', 'gh_test', $2, '{users:write}')",
                   crypto::random_uuid(), crypto::sha256_hex(key));
    tx.commit();
    return key;
  }
};

TEST_F(WebSocketSessionTest, LogoutClosesTheSessionsSocketWith1008) {
  const auto user = register_user(fresh_email("ws-logout"));
  const auto access = str(user, "access_token");
  ws_client ws{server->port(), ws_bearer(access)};
  ASSERT_TRUE(ws.ping_pong());
  EXPECT_EQ(call("POST", "/api/v1/auth/logout", {}, bearer(access)).status, 204);
  EXPECT_EQ(closed_with(ws), 1008);
}

TEST_F(WebSocketSessionTest, PasswordChangeClosesTheOtherSessionsSocketsOnly) {
  const auto email = fresh_email("ws-password");
  const auto first = register_user(email);
  const auto second = login(email);
  ws_client mine{server->port(), ws_bearer(str(first, "access_token"))};
  ws_client other{server->port(), ws_bearer(str(second, "access_token"))};
  const auto r = call("POST", "/api/v1/auth/password",
                      R"({"current_password":"correct horse battery",)"
                      R"("new_password":"an entirely new passphrase"})",
                      bearer(str(first, "access_token")));
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(closed_with(other), 1008);
  EXPECT_TRUE(mine.ping_pong());
}

TEST_F(WebSocketSessionTest, AccountDeletionClosesTheSocket) {
  const auto user = register_user(fresh_email("ws-delete"));
  const auto access = str(user, "access_token");
  ws_client ws{server->port(), ws_bearer(access)};
  ASSERT_TRUE(ws.ping_pong());
  const auto r =
      call("DELETE", "/api/v1/users/me", R"({"password":"correct horse battery"})", bearer(access));
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(closed_with(ws), 1008);
}

TEST_F(WebSocketSessionTest, AdminDisableClosesTheSocketAndNoPushFollows) {
  const auto user = register_user(fresh_email("ws-disable"));
  const auto access = str(user, "access_token");
  const auto id = str(user.at("user").as_object(), "id");
  ws_client ws{server->port(), ws_bearer(access)};
  ASSERT_TRUE(ws.ping_pong());
  const auto r = http_call(server->port(), "POST", "/api/v1/admin/users/" + id + "/disable", {},
                           {{"Authorization", "ApiKey " + admin_key()}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(closed_with(ws), 1008);
  // A socket opened after it is refused outright.
  EXPECT_THROW(ws_client(server->port(), ws_bearer(access)), std::exception);
}

TEST_F(WebSocketSessionTest, AnExpiredTokenClosesTheSocketUnlessAFreshOneArrives) {
  gatehouse_process short_lived{{{"JWT_SIGNING_KEY_FILE", (dir / "jwt.pem").string()},
                                 {"GATEHOUSE_ACCESS_TOKEN_TTL", "5s"},
                                 {"GATEHOUSE_DATA_DIR", (dir / "data-ttl").string()}}};
  const auto registered = http_call(short_lived.port(), "POST", "/api/v1/auth/register",
                                    R"({"email":")" + fresh_email("ws-ttl") +
                                        R"(","password":"correct horse battery"})",
                                    json_ct);
  ASSERT_EQ(registered.status, 201) << registered.body;
  const auto user = parse(registered.body);
  ws_client stale{short_lived.port(), ws_bearer(str(user, "access_token"))};
  ws_client renewed{short_lived.port(), ws_bearer(str(user, "access_token"))};

  std::this_thread::sleep_for(2s);
  const auto refreshed =
      http_call(short_lived.port(), "POST", "/api/v1/auth/refresh",
                R"({"refresh_token":")" + str(user, "refresh_token") + R"("})", json_ct);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  renewed.send_text(R"({"id":1,"cmd":"auth","args":{"token":")" +
                    str(parse(refreshed.body), "access_token") + R"("}})");
  const auto answer = renewed.read();
  ASSERT_TRUE(answer.has_value());
  const auto reply = parse(*answer);
  EXPECT_TRUE(reply.at("ok").as_bool()) << *answer;
  EXPECT_EQ(reply.at("id").as_int64(), 1);

  // Another user's token is not taken.
  const auto other = signed_up_token(short_lived.port());
  renewed.send_text(R"({"id":2,"cmd":"auth","args":{"token":")" + other + R"("}})");
  const auto refused = parse(*renewed.read());
  EXPECT_FALSE(refused.at("ok").as_bool());
  EXPECT_EQ(refused.at("error").at("status").as_int64(), 403);

  EXPECT_EQ(closed_with(stale, 6s), 1008);
  EXPECT_TRUE(renewed.ping_pong());
}

} // namespace
} // namespace gh::test
