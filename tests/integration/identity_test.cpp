// Identity end to end: Gatehouse as a process against the run's real PostgreSQL and Redis.
// The fixture is shared with identity_recovery_test.cpp (identity_fixture.hpp).

#include "tests/integration/identity_fixture.hpp"

#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gh::test {
namespace {

TEST_F(IdentityTest, RegisterWritesUserOutboxAndAuditInOneTransaction) {
  const auto email = fresh_email("Reg");
  auto body = register_user(email);
  const auto& user = body.at("user").as_object();
  EXPECT_EQ(str(user, "email"), [&] {
    std::string l = email;
    for (auto& c : l)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return l;
  }());
  EXPECT_EQ(str(user, "tenant_id"), "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(str(body, "token_type"), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 900);
  EXPECT_FALSE(str(body, "access_token").empty());
  EXPECT_GE(str(body, "refresh_token").size(), 43U); // 256 bits, base64url
  const auto id = str(user, "id");
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'user.created' "
                  "AND payload->'data'->>'user_id' = $1",
                  id),
            1);
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE action = 'user.registered' AND target = $1", id),
      1);
  // Only a hash of the refresh token is stored.
  EXPECT_EQ(count("SELECT count(*) FROM refresh_tokens WHERE token_hash = $1",
                  str(body, "refresh_token")),
            0);
}

TEST_F(IdentityTest, RegisterByPhoneNormalisesToE164) {
  const auto digits = std::to_string(4155550000 + (unix_now() % 9999));
  auto r = call("POST", "/api/v1/auth/register",
                R"({"phone":"+1 ()" + digits.substr(0, 3) + ") " + digits.substr(3, 3) + "-" +
                    digits.substr(6) + R"(","password":"correct horse battery"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str(parse(r.body).at("user").as_object(), "phone"), "+1" + digits);
}

TEST_F(IdentityTest, DuplicateEmailIs409AndWritesNothing) {
  const auto email = fresh_email("dup");
  register_user(email);
  const auto before = count("SELECT count(*) FROM users WHERE email = lower($1)", email);
  auto r = call("POST", "/api/v1/auth/register",
                R"({"email":")" + email + R"(","password":"another long password"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE email = lower($1)", email), before);
}

TEST_F(IdentityTest, BadInputIsAProblemNamingTheFieldAndWritesNothing) {
  const auto before = count("SELECT count(*) FROM users WHERE $1 = $1", "x");
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"email":"a@example.com","password":"correct horse battery","admin":true})", "admin"},
      {R"({"email":42,"password":"correct horse battery"})", "email"},
      {R"({"email":"a@example.com","password":"short"})", "password"},
      {R"({"email":"a@example.com","password":"Password1234"})", "password"},
      {R"({"email":"not-an-email","password":"correct horse battery"})", "email"},
      {R"({"phone":"4155550123","password":"correct horse battery"})", "phone"},
      {R"({"email":"a@example.com","password":"correct horse battery","name":"a\u0000b"})", "name"},
      {R"({"email":"a@example.com","password":"correct horse battery","name":")" +
           std::string(201, 'n') + R"("})",
       "name"},
      {R"({"password":"correct horse battery"})", "email"},
  };
  for (const auto& [body, field] : cases) {
    auto r = call("POST", "/api/v1/auth/register", body);
    ASSERT_EQ(r.status, 400) << body << " -> " << r.body;
    auto p = parse(r.body);
    EXPECT_EQ(str(p, "type"), "https://gatehouse.dev/problems/validation");
    bool named = false;
    for (const auto& e : p.at("errors").as_array())
      named = named || str(e.as_object(), "field") == field;
    EXPECT_TRUE(named) << body << " -> " << r.body;
  }
  EXPECT_EQ(call("POST", "/api/v1/auth/register", R"({"email":)").status, 400);
  EXPECT_EQ(http_call(server->port(), "POST", "/api/v1/auth/register", "email=a",
                      {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            415);
  // Oversized bodies (413) are covered by GatewayTest.OversizedBodyIs413 with a raw client.
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE $1 = $1", "x"), before);
}

TEST_F(IdentityTest, UnknownUserAndWrongPasswordGetTheSameAnswer) {
  const auto email = fresh_email("same");
  register_user(email);
  auto wrong = call("POST", "/api/v1/auth/login",
                    R"({"email":")" + email + R"(","password":"not the password!"})");
  auto unknown =
      call("POST", "/api/v1/auth/login",
           R"({"email":")" + fresh_email("nobody") + R"(","password":"not the password!"})");
  ASSERT_EQ(wrong.status, 401);
  ASSERT_EQ(unknown.status, 401);
  auto a = parse(wrong.body);
  auto b = parse(unknown.body);
  a.erase("request_id");
  b.erase("request_id");
  EXPECT_EQ(json::serialize(a), json::serialize(b));
  // The failure is audited, without the password.
  // (Written after the answer: the failure's transaction does not hold the 401 back.)
  EXPECT_TRUE(eventually(std::chrono::seconds{5}, [] {
    return count("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND "
                 "details::text NOT LIKE '%' || $1 || '%'",
                 "not the password") >= 1;
  }));
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || $1 || '%'",
                  "not the password"),
            0);
}

TEST_F(IdentityTest, FiveFailuresLockTheIdentifierUntilTheWindowEnds) {
  const auto email = fresh_email("lock");
  register_user(email);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call("POST", "/api/v1/auth/login",
                   R"({"email":")" + email + R"(","password":"wrong password )" +
                       std::to_string(i) + R"("})")
                  .status,
              401);
  // Locked: even the right password is refused now, with Retry-After.
  auto locked = call("POST", "/api/v1/auth/login",
                     R"({"email":")" + email + R"(","password":"correct horse battery"})");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(str(parse(locked.body), "type"), "https://gatehouse.dev/problems/rate-limited");
  ASSERT_TRUE(locked.headers.contains("retry-after"));
  EXPECT_GE(std::stoi(locked.headers["retry-after"]), 1);
  EXPECT_GE(count("SELECT count(*) FROM audit_log WHERE action = 'login.locked' AND $1 = $1", "x"),
            1);
  // The window (3 s in this suite) ends and the lock with it.
  std::this_thread::sleep_for(std::chrono::milliseconds{3500});
  login(email);
}

TEST_F(IdentityTest, PerAddressLimitStopsALoginStorm) {
  int limited = 0;
  for (int i = 0; i < 40 && limited == 0; ++i) {
    auto r = call("POST", "/api/v1/auth/login",
                  R"({"email":")" + fresh_email("storm") + R"(","password":"whatever it is"})");
    if (r.status == 429)
      ++limited;
    else
      EXPECT_EQ(r.status, 401);
  }
  EXPECT_EQ(limited, 1);
}

TEST_F(IdentityTest, RefreshRotatesAndReuseRevokesTheWholeFamily) {
  auto first = register_user(fresh_email("refresh"));
  const auto r1 = str(first, "refresh_token");
  auto second = call("POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + r1 + R"("})");
  ASSERT_EQ(second.status, 200) << second.body;
  const auto r2 = str(parse(second.body), "refresh_token");
  const auto a2 = str(parse(second.body), "access_token");
  EXPECT_NE(r1, r2);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(a2)).status, 200);
  // r1 again after the grace window: a stolen copy. The family ends: r2 and the access tokens
  // stop working.
  std::this_thread::sleep_for(past_refresh_grace);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + r1 + R"("})").status,
            401);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + r2 + R"("})").status,
            401);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(a2)).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(str(first, "access_token"))).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", R"({"refresh_token":"made-up"})").status, 401);
}

TEST_F(IdentityTest, LogoutEndsTheSessionAndDenylistsTheAccessToken) {
  auto body = register_user(fresh_email("logout"));
  const auto access = str(body, "access_token");
  ASSERT_EQ(call("GET", "/api/v1/auth/status", {}, bearer(access)).status, 200);
  EXPECT_TRUE(parse(call("GET", "/api/v1/auth/status", {}, bearer(access)).body)
                  .at("authenticated")
                  .as_bool());
  EXPECT_EQ(call("POST", "/api/v1/auth/logout", {}, bearer(access)).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(access)).status, 401);
  EXPECT_FALSE(parse(call("GET", "/api/v1/auth/status", {}, bearer(access)).body)
                   .at("authenticated")
                   .as_bool());
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + str(body, "refresh_token") + R"("})")
                .status,
            401);
  // Recorded in Redis too, so every replica refuses it.
  const auto redis = required_env("REDIS_URL");
  EXPECT_EQ(std::system(("test \"$(redis-cli -u " + redis + " ZCARD gh:revoked)\" -ge 2").c_str()),
            0);
}

TEST_F(IdentityTest, ForgedAndInvalidTokensAre401) {
  auto body = register_user(fresh_email("forge"));
  const auto sub = str(body.at("user").as_object(), "id");
  const auto jwks = parse(call("GET", "/.well-known/jwks.json").body);
  const auto& jwk = jwks.at("keys").as_array().at(0).as_object();
  const auto kid = str(jwk, "kid");
  EXPECT_EQ(kid, key->kid());
  EXPECT_EQ(str(jwk, "alg"), "EdDSA");
  const auto iss = std::string{"http://127.0.0.1:8080"};
  const auto now = unix_now();

  std::vector<std::pair<std::string, std::string>> forged;
  // alg none, no signature.
  forged.emplace_back(
      "alg none", crypto::base64url_encode(R"({"alg":"none","kid":")" + kid + R"("})") + "." +
                      crypto::base64url_encode(claims_json(iss, iss, now, now + 600, sub)) + ".");
  // HS256 keyed with the public key (algorithm confusion).
  {
    const auto input =
        crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT","kid":")" + kid + R"("})") + "." +
        crypto::base64url_encode(claims_json(iss, iss, now, now + 600, sub));
    forged.emplace_back(
        "HS256 with the public key",
        input + "." + crypto::base64url_encode(crypto::hmac_sha256(key->public_raw(), input)));
  }
  forged.emplace_back("wrong aud",
                      signed_token(claims_json(iss, "someone-else", now, now + 600, sub), kid));
  forged.emplace_back(
      "wrong iss",
      signed_token(claims_json("https://evil.example", iss, now, now + 600, sub), kid));
  forged.emplace_back("expired",
                      signed_token(claims_json(iss, iss, now - 3600, now - 600, sub), kid));
  forged.emplace_back("not yet valid",
                      signed_token(claims_json(iss, iss, now + 600, now + 1200, sub), kid));
  forged.emplace_back("unknown kid",
                      signed_token(claims_json(iss, iss, now, now + 600, sub), "nope"));
  {
    auto good = signed_token(claims_json(iss, iss, now, now + 600, sub), kid);
    EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(good)).status, 200)
        << "the test's own signing is wrong";
    auto tampered = good;
    const auto dot = tampered.find('.');
    tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
    forged.emplace_back("tampered payload", tampered);
    auto bad_sig = good;
    bad_sig[bad_sig.size() - 3] = bad_sig[bad_sig.size() - 3] == 'A' ? 'B' : 'A';
    forged.emplace_back("tampered signature", bad_sig);
  }
  {
    auto other = jwt::signing_key::generate();
    const auto input = crypto::base64url_encode(R"({"alg":"EdDSA","kid":")" + kid + R"("})") + "." +
                       crypto::base64url_encode(claims_json(iss, iss, now, now + 600, sub));
    forged.emplace_back("another key", input + "." + crypto::base64url_encode(other.sign(input)));
  }
  forged.emplace_back("garbage", "not.a.jwt");
  forged.emplace_back("two segments", "abc.def");
  forged.emplace_back("huge", std::string(8000, 'a'));
  for (const auto& [what, token] : forged) {
    auto r = call("GET", "/api/v1/users/me", {}, bearer(token));
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/problem+json") << what;
  }
  EXPECT_EQ(call("GET", "/api/v1/users/me").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, {{"Authorization", "Basic YTpi"}}).status, 401);
}

TEST_F(IdentityTest, CookieSessionsNeedTheCsrfTokenAndOurOrigin) {
  auto r = call("POST", "/api/v1/auth/register",
                R"({"email":")" + fresh_email("cookie") +
                    R"(","password":"correct horse battery","session":"cookie"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = parse(r.body);
  EXPECT_FALSE(body.contains("access_token"));
  EXPECT_FALSE(body.contains("refresh_token"));
  // The test client keeps one value per header name: read the cookies from a raw exchange.
  const auto email = str(body.at("user").as_object(), "email");
  const std::string login_body =
      R"({"email":")" + email + R"(","password":"correct horse battery","session":"cookie"})";
  const auto reply =
      raw_exchange(server->port(), "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Type: application/json\r\nConnection: close\r\n"
                                   "Content-Length: " +
                                       std::to_string(login_body.size()) + "\r\n\r\n" + login_body);
  ASSERT_NE(reply.find("200 OK"), std::string::npos) << reply;
  const auto cookie = [&](const std::string& name) {
    const auto at = reply.find("Set-Cookie: " + name + "=");
    EXPECT_NE(at, std::string::npos) << name;
    const auto start = at + 12 + name.size() + 1;
    return reply.substr(start, reply.find(';', start) - start);
  };
  const auto access = cookie("gh_access");
  const auto refresh = cookie("gh_refresh");
  const auto csrf = cookie("gh_csrf");
  EXPECT_NE(reply.find("gh_access=" + access + "; Path=/; Max-Age=900; SameSite=Lax; HttpOnly"),
            std::string::npos);
  EXPECT_EQ(reply.find("gh_csrf=" + csrf + "; Path=/; Max-Age=2592000; SameSite=Lax; HttpOnly"),
            std::string::npos)
      << "the CSRF cookie must be readable by the page";
  const std::string jar = "gh_access=" + access + "; gh_refresh=" + refresh + "; gh_csrf=" + csrf;

  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, {{"Cookie", jar}}).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/auth/logout", {}, {{"Cookie", jar}}).status, 403);
  EXPECT_EQ(
      call("POST", "/api/v1/auth/logout", {}, {{"Cookie", jar}, {"X-CSRF-Token", "nope"}}).status,
      403);
  EXPECT_EQ(call("POST", "/api/v1/auth/logout", {},
                 {{"Cookie", jar}, {"X-CSRF-Token", csrf}, {"Origin", "https://evil.example"}})
                .status,
            403);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", {}, {{"Cookie", jar}}).status, 403);
  auto refreshed =
      call("POST", "/api/v1/auth/refresh", {}, {{"Cookie", jar}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_FALSE(parse(refreshed.body).contains("refresh_token"));
  EXPECT_EQ(call("POST", "/api/v1/auth/logout", {},
                 {{"Cookie", jar}, {"X-CSRF-Token", csrf}, {"Origin", "http://127.0.0.1:8080"}})
                .status,
            204);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, {{"Cookie", jar}}).status, 401);
}

TEST_F(IdentityTest, OneUserNeverSeesAnothersData) {
  auto alice = register_user(fresh_email("alice"));
  auto bob = register_user(fresh_email("bob"));
  const auto alice_token = str(alice, "access_token");
  const auto bob_token = str(bob, "access_token");
  auto me = parse(call("GET", "/api/v1/users/me", {}, bearer(alice_token)).body);
  EXPECT_EQ(str(me, "id"), str(alice.at("user").as_object(), "id"));
  auto bob_sessions = json::parse(call("GET", "/api/v1/auth/sessions", {}, bearer(bob_token)).body);
  ASSERT_EQ(bob_sessions.as_array().size(), 1U);
  const auto bob_session = str(bob_sessions.as_array()[0].as_object(), "id");
  auto alice_sessions =
      json::parse(call("GET", "/api/v1/auth/sessions", {}, bearer(alice_token)).body);
  for (const auto& s : alice_sessions.as_array())
    EXPECT_NE(str(s.as_object(), "id"), bob_session);
  // Alice cannot end Bob's session: to her it does not exist.
  EXPECT_EQ(call("DELETE", "/api/v1/auth/sessions/" + bob_session, {}, bearer(alice_token)).status,
            404);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(bob_token)).status, 200);
}

TEST_F(IdentityTest, SessionsAreListedAndRevokedOneByOne) {
  const auto email = fresh_email("devices");
  auto first = register_user(email);
  auto second = login(email);
  auto list =
      json::parse(call("GET", "/api/v1/auth/sessions", {}, bearer(str(first, "access_token"))).body)
          .as_array();
  ASSERT_EQ(list.size(), 2U);
  std::string other;
  int current = 0;
  for (const auto& s : list) {
    const auto& o = s.as_object();
    EXPECT_EQ(str(o, "ip"), "127.0.0.1");
    if (o.at("current").as_bool())
      ++current;
    else
      other = str(o, "id");
  }
  EXPECT_EQ(current, 1);
  EXPECT_EQ(call("DELETE", "/api/v1/auth/sessions/" + other, {}, bearer(str(first, "access_token")))
                .status,
            204);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(str(second, "access_token"))).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(str(first, "access_token"))).status, 200);
  EXPECT_EQ(
      call("DELETE", "/api/v1/auth/sessions/not-a-uuid", {}, bearer(str(first, "access_token")))
          .status,
      404);
}

TEST_F(IdentityTest, PasswordChangeEndsEveryOtherSession) {
  const auto email = fresh_email("pw");
  auto first = register_user(email);
  auto second = login(email);
  const auto token = str(first, "access_token");
  EXPECT_EQ(call("POST", "/api/v1/auth/password",
                 R"({"current_password":"wrong password!","new_password":"a brand new secret"})",
                 bearer(token))
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/auth/password",
                 R"({"current_password":"correct horse battery","new_password":"short"})",
                 bearer(token))
                .status,
            400);
  EXPECT_EQ(
      call("POST", "/api/v1/auth/password",
           R"({"current_password":"correct horse battery","new_password":"a brand new secret"})",
           bearer(token))
          .status,
      204);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(token)).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(str(second, "access_token"))).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + str(second, "refresh_token") + R"("})")
                .status,
            401);
  EXPECT_EQ(call("POST", "/api/v1/auth/login",
                 R"({"email":")" + email + R"(","password":"correct horse battery"})")
                .status,
            401);
  login(email, "a brand new secret");
}

TEST_F(IdentityTest, ProfileEditWritesAUserUpdatedEvent) {
  auto body = register_user(fresh_email("profile"));
  const auto token = str(body, "access_token");
  const auto id = str(body.at("user").as_object(), "id");
  auto r = call("PATCH", "/api/v1/users/me", R"({"name":"Zoë"})", bearer(token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(parse(r.body), "name"), "Zoë");
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'user.updated' AND "
                  "payload->'data'->>'user_id' = $1",
                  id),
            1);
  EXPECT_EQ(call("PATCH", "/api/v1/users/me", R"({"email":"x@example.com"})", bearer(token)).status,
            400);
  EXPECT_EQ(call("PATCH", "/api/v1/users/me", R"({"name":"Zoë"})").status, 401);
}

TEST_F(IdentityTest, ConcurrentReadsOfAnUncachedProfileShareOneQuery) {
  auto body = register_user(fresh_email("burst"));
  const auto token = str(body, "access_token");
  const auto id = str(body.at("user").as_object(), "id");
  // The users table held locked: every read of it waits, where it can be counted.
  pqxx::connection lock_conn{required_env("DATABASE_URL")};
  pqxx::work lock{lock_conn};
  lock.exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
  std::vector<http_reply> replies(16);
  std::vector<std::thread> readers;
  readers.reserve(replies.size());
  for (auto& reply : replies)
    readers.emplace_back(
        [&reply, &token] { reply = call("GET", "/api/v1/users/me", {}, bearer(token)); });
  // Gatehouse's profile reads waiting on the lock (workers may read users too: not counted).
  const auto waiting = [] {
    return count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                 "query LIKE $1",
                 "%FROM users WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'active'");
  };
  for (int i = 0; i < 100 && waiting() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  std::this_thread::sleep_for(std::chrono::milliseconds{300}); // the others are in by now
  EXPECT_EQ(waiting(), 1) << "one query for all sixteen requests (the pool has four connections)";
  lock.abort();
  for (auto& t : readers)
    t.join();
  for (const auto& reply : replies) {
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(str(parse(reply.body), "id"), id);
  }
}

TEST_F(IdentityTest, AUserAgentThatIsNotUtf8IsStoredSanitisedAndLosesNothing) {
  const auto email = fresh_email("agent");
  const std::string body = R"({"email":")" + email + R"(","password":"correct horse battery"})";
  const auto out = raw_exchange(
      server->port(), "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/json\r\nUser-Agent: bad\xff\xfe agent\r\n"
                      "Content-Length: " +
                          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(out.rfind("HTTP/1.1 201", 0), 0U) << out.substr(0, 200);
  EXPECT_EQ(count("SELECT count(*) FROM refresh_families f JOIN users u ON u.id = f.user_id "
                  "WHERE u.email = lower($1) AND f.user_agent = 'bad?? agent'",
                  email),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'user.registered' AND "
                  "user_agent = 'bad?? agent' AND target = (SELECT id::text FROM users "
                  "WHERE email = lower($1))",
                  email),
            1);
}

TEST(IdentityRedisDownTest, LoginFailsClosedWhileIssuedTokensKeepWorking) {
  redis_server redis;
  gatehouse_process server{{{"REDIS_URL", redis.url()}}};
  const auto email = fresh_email("redis");
  const std::string creds = R"({"email":")" + email + R"(","password":"correct horse battery"})";
  auto reg = http_call(server.port(), "POST", "/api/v1/auth/register", creds, json_ct);
  ASSERT_EQ(reg.status, 201) << reg.body;
  const auto token = str(parse(reg.body), "access_token");
  redis.stop();
  auto login = http_call(server.port(), "POST", "/api/v1/auth/login", creds, json_ct);
  EXPECT_EQ(login.status, 503) << login.body;
  EXPECT_EQ(str(parse(login.body), "type"), "https://gatehouse.dev/problems/provider-unavailable");
  EXPECT_EQ(http_call(server.port(), "GET", "/api/v1/users/me", {}, bearer(token)).status, 200);
  redis.start();
  std::this_thread::sleep_for(std::chrono::milliseconds{1500});
  EXPECT_EQ(http_call(server.port(), "POST", "/api/v1/auth/login", creds, json_ct).status, 200);
}

} // namespace
} // namespace gh::test
