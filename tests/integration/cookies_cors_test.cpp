// Browser sessions: the CSRF token is bound to its session, duplicate session cookies are
// refused, and the product's own front ends (GATEHOUSE_CORS_ORIGINS) may call with credentials
// while any other origin gets no CORS header at all. Real Gatehouse processes against the run's
// PostgreSQL and Redis.

#include "tests/integration/identity_fixture.hpp"

namespace gh::test {
namespace {

/// The three session cookies of a cookie-mode sign-in.
struct cookie_session {
  std::string access;
  std::string refresh;
  std::string csrf;

  std::string jar() const {
    return "gh_access=" + access + "; gh_refresh=" + refresh + "; gh_csrf=" + csrf;
  }
};

/// Signs `email` in with `"session": "cookie"` on the Gatehouse at `port`.
cookie_session cookie_login(uint16_t port, const std::string& email) {
  const std::string body =
      R"({"email":")" + email + R"(","password":"correct horse battery","session":"cookie"})";
  const auto reply = raw_exchange(port, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                        "Content-Type: application/json\r\nConnection: close\r\n"
                                        "Content-Length: " +
                                            std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
  const auto cookie = [&](const std::string& name) {
    const auto at = reply.find("Set-Cookie: " + name + "=");
    if (at == std::string::npos)
      return std::string{};
    const auto start = at + 12 + name.size() + 1;
    return reply.substr(start, reply.find(';', start) - start);
  };
  return {cookie("gh_access"), cookie("gh_refresh"), cookie("gh_csrf")};
}

class CookieSessionTest : public IdentityTest {};

TEST_F(CookieSessionTest, ACsrfTokenWorksOnlyWithItsOwnSession) {
  const auto email = fresh_email("csrf-bound");
  register_user(email);
  const auto mine = cookie_login(server->port(), email);
  const auto other = cookie_login(server->port(), email);
  ASSERT_NE(mine.csrf, other.csrf);
  // A planted pair: my cookies, with another session's token as cookie and header alike.
  auto planted = mine;
  planted.csrf = other.csrf;
  EXPECT_EQ(call("POST", "/api/v1/auth/logout", {},
                 {{"Cookie", planted.jar()}, {"X-CSRF-Token", other.csrf}})
                .status,
            403);
  EXPECT_EQ(
      call("POST", "/api/v1/auth/logout", {}, {{"Cookie", mine.jar()}, {"X-CSRF-Token", mine.csrf}})
          .status,
      204);
}

TEST_F(CookieSessionTest, DuplicateSessionCookiesAreRefused) {
  const auto email = fresh_email("csrf-dup");
  register_user(email);
  const auto mine = cookie_login(server->port(), email);
  const auto r = call("POST", "/api/v1/auth/logout", {},
                      {{"Cookie", "gh_csrf=planted; " + mine.jar()}, {"X-CSRF-Token", mine.csrf}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, {{"Cookie", mine.jar() + "; gh_access=x"}}).status,
            400);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, {{"Cookie", mine.jar()}}).status, 200);
}

class CorsTest : public IdentityTest {
protected:
  static void SetUpTestSuite() {
    IdentityTest::SetUpTestSuite();
    front = new gatehouse_process(
        {{"JWT_SIGNING_KEY_FILE", (dir / "jwt.pem").string()},
         {"GATEHOUSE_CORS_ORIGINS", "https://app.example.com, http://localhost:5173"},
         {"GATEHOUSE_DATA_DIR", (dir / "data-cors").string()}});
  }
  static void TearDownTestSuite() {
    delete front;
    front = nullptr;
    IdentityTest::TearDownTestSuite();
  }
  static inline gatehouse_process* front = nullptr;
};

TEST_F(CorsTest, APreflightFromAListedFrontEndGetsTheRoutesMethods) {
  const auto r = http_call(front->port(), "OPTIONS", "/api/v1/users/me", {},
                           {{"Origin", "https://app.example.com"},
                            {"Access-Control-Request-Method", "PATCH"},
                            {"Access-Control-Request-Headers", "content-type, x-csrf-token"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers.at("access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(r.headers.at("access-control-allow-credentials"), "true");
  EXPECT_EQ(r.headers.at("access-control-allow-methods"), "GET, HEAD, PATCH, DELETE");
  EXPECT_NE(r.headers.at("access-control-allow-headers").find("X-CSRF-Token"), std::string::npos);
  EXPECT_EQ(r.headers.at("access-control-max-age"), "600");
  EXPECT_EQ(r.headers.at("vary"), "Origin");
}

TEST_F(CorsTest, AnswersToAListedFrontEndCarryTheCorsHeaders) {
  const auto r = http_call(front->port(), "GET", "/api/v1/auth/status", {},
                           {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("access-control-allow-origin"), "http://localhost:5173");
  EXPECT_EQ(r.headers.at("access-control-allow-credentials"), "true");
  EXPECT_EQ(r.headers.at("access-control-expose-headers"), "X-Request-Id, Retry-After");
  EXPECT_EQ(r.headers.at("vary"), "Origin");
}

TEST_F(CorsTest, AnyOtherOriginGetsNoCorsHeaderAtAll) {
  for (const char* origin : {"https://evil.example", "https://app.example.com.evil.example", "null",
                             "https://APP.example.com"}) {
    const auto pre = http_call(front->port(), "OPTIONS", "/api/v1/users/me", {},
                               {{"Origin", origin}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_NE(pre.status, 204) << origin;
    const auto get =
        http_call(front->port(), "GET", "/api/v1/auth/status", {}, {{"Origin", origin}});
    for (const auto* h : {&pre, &get})
      for (const auto& [name, value] : h->headers)
        EXPECT_FALSE(name.starts_with("access-control-")) << origin << ": " << name;
  }
}

TEST_F(CorsTest, ListedFrontEndsPassTheCookieOriginCheck) {
  const auto email = fresh_email("cors-cookie");
  ASSERT_EQ(http_call(front->port(), "POST", "/api/v1/auth/register",
                      R"({"email":")" + email + R"(","password":"correct horse battery"})", json_ct)
                .status,
            201);
  const auto mine = cookie_login(front->port(), email);
  const auto with = [&](const char* origin) {
    return http_call(front->port(), "POST", "/api/v1/auth/logout", {},
                     {{"Cookie", mine.jar()}, {"X-CSRF-Token", mine.csrf}, {"Origin", origin}});
  };
  EXPECT_EQ(with("https://evil.example").status, 403);
  EXPECT_EQ(with("https://app.example.com").status, 204);
}

} // namespace
} // namespace gh::test
