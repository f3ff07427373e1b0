// Identity hardening end to end (issue 19): names that cannot carry a message, look-alike
// addresses and invalid phone numbers, parallel refreshes, and `user.login_failed`. Gatehouse as
// a process against the run's real PostgreSQL and Redis (identity_fixture.hpp).

#include "tests/integration/identity_fixture.hpp"

#include "tests/support/services.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

/// True when the problem in `body` is a validation problem naming `field`.
bool names_field(const std::string& body, std::string_view field) {
  const auto p = parse(body);
  if (str(p, "type") != "https://gatehouse.dev/problems/validation")
    return false;
  for (const auto& e : p.at("errors").as_array())
    if (str(e.as_object(), "field") == field)
      return true;
  return false;
}

/// `text` with its first ASCII letter turned into the fullwidth form (U+FF21..U+FF5A).
std::string fullwidth_first(const std::string& text) {
  std::string out;
  bool done = false;
  for (const char c : text) {
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower = c >= 'a' && c <= 'z';
    if (done || !(upper || lower)) {
      out += c;
      continue;
    }
    // U+FF21 + (c - 'A') or U+FF41 + (c - 'a'), as UTF-8: EF BC A1.. / EF BD 81..
    const unsigned cp =
        upper ? 0xff21U + static_cast<unsigned>(c - 'A') : 0xff41U + static_cast<unsigned>(c - 'a');
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
    done = true;
  }
  return out;
}

TEST_F(IdentityTest, ANameCannotCarryAMessageIntoTheWelcomeMail) {
  const auto email = fresh_email("names");
  // The security review's payload.
  const std::string payload =
      R"("there.\r\n\r\nYour account was flagged. Verify now at https://evil.example \u2026")";
  for (const auto& name : std::vector<std::string>{payload, R"("\u202eevil")", R"("\u200b\u200b")",
                                                   R"("   ")", R"("bel\u0007")"}) {
    auto r = call("POST", "/api/v1/auth/register",
                  R"({"email":")" + email + R"(","password":"correct horse battery","name":)" +
                      name + "}");
    ASSERT_EQ(r.status, 400) << name << " -> " << r.body;
    EXPECT_TRUE(names_field(r.body, "name")) << r.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE email = lower($1)", email), 0);

  // The profile edit is held to the same rules; a good name is stored trimmed.
  const auto access = str(register_user(email), "access_token");
  auto bad = call("PATCH", "/api/v1/users/me", R"({"name":)" + payload + "}", bearer(access));
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(names_field(bad.body, "name"));
  auto good = call("PATCH", "/api/v1/users/me", R"({"name":"  Ada Lovelace  "})", bearer(access));
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(str(parse(good.body), "name"), "Ada Lovelace");
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE payload::text LIKE '%evil.example%' AND "
                  "payload->'data'->>'email' = lower($1)",
                  email),
            0);
}

TEST_F(IdentityTest, AFullwidthLookAlikeIsTheSameAccountEverywhere) {
  const auto email = fresh_email("lookalike");
  const auto id = str(register_user(email).at("user").as_object(), "id");
  const auto twin = fullwidth_first(email);
  ASSERT_NE(twin, email);
  auto again = call("POST", "/api/v1/auth/register",
                    R"({"email":")" + twin + R"(","password":"another long password"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE email = lower($1)", email), 1);
  // Sign-in and reset look the address up the same way.
  auto in = call("POST", "/api/v1/auth/login",
                 R"({"email":")" + twin + R"(","password":"correct horse battery"})");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(str(parse(in.body).at("user").as_object(), "id"), id);
  EXPECT_EQ(call("POST", "/api/v1/auth/password/forgot", R"({"email":")" + twin + R"("})").status,
            202);
  EXPECT_TRUE(eventually(5s, [&] {
    return count("SELECT count(*) FROM outbox WHERE subject = 'email.send' AND "
                 "payload->'data'->>'template' = 'password_reset' AND "
                 "payload->'data'->>'to' = lower($1)",
                 email) == 1;
  }));
  // A Cyrillic 'а' survives NFKC as a different letter: refused, not a second account.
  auto cyrillic =
      call("POST", "/api/v1/auth/register",
           R"({"email":"\u0430)" + email.substr(1) + R"(","password":"correct horse battery"})");
  EXPECT_EQ(cyrillic.status, 400) << cyrillic.body;
  EXPECT_TRUE(names_field(cyrillic.body, "email"));
}

TEST_F(IdentityTest, PhoneNumbersMustBeValidForTheirCountry) {
  for (const std::string phone : {"+999999999999", "+1234567", "+44 20 7946 09"}) {
    auto r = call("POST", "/api/v1/auth/register",
                  R"({"phone":")" + phone + R"(","password":"correct horse battery"})");
    ASSERT_EQ(r.status, 400) << phone << " -> " << r.body;
    EXPECT_TRUE(names_field(r.body, "phone")) << r.body;
    auto in = call("POST", "/api/v1/auth/login",
                   R"({"phone":")" + phone + R"(","password":"correct horse battery"})");
    EXPECT_EQ(in.status, 400) << in.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE phone = $1", "+999999999999"), 0);
}

TEST_F(IdentityTest, TwoTabsRefreshingAtOnceBothGetTheSameNewPair) {
  const auto first = register_user(fresh_email("tabs"));
  const auto r0 = str(first, "refresh_token");
  const auto body = R"({"refresh_token":")" + r0 + R"("})";
  std::array<http_reply, 2> replies;
  {
    std::thread a{[&] { replies[0] = call("POST", "/api/v1/auth/refresh", body); }};
    std::thread b{[&] { replies[1] = call("POST", "/api/v1/auth/refresh", body); }};
    a.join();
    b.join();
  }
  ASSERT_EQ(replies[0].status, 200) << replies[0].body;
  ASSERT_EQ(replies[1].status, 200) << replies[1].body;
  const auto p0 = parse(replies[0].body);
  const auto p1 = parse(replies[1].body);
  EXPECT_EQ(str(p0, "refresh_token"), str(p1, "refresh_token"));
  EXPECT_EQ(str(p0, "access_token"), str(p1, "access_token"));
  EXPECT_NE(str(p0, "refresh_token"), r0);
  // Only a seal of the pair is stored, never the tokens themselves.
  EXPECT_EQ(
      count("SELECT count(*) FROM refresh_tokens WHERE successor_sealed LIKE '%' || $1 || '%'",
            str(p0, "refresh_token")),
      0);
  // The family lives on: the new token rotates and the access token works.
  const auto r1 = str(p0, "refresh_token");
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer(str(p0, "access_token"))).status, 200);
  auto next = call("POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + r1 + R"("})");
  ASSERT_EQ(next.status, 200) << next.body;
  const auto r2 = str(parse(next.body), "refresh_token");

  // After the window, the spent token is a stolen copy again: the family ends.
  std::this_thread::sleep_for(past_refresh_grace);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", body).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + r2 + R"("})").status,
            401);
}

TEST_F(IdentityTest, FailedLoginsOfKnownAccountsArePublishedUpToTheLockout) {
  const auto email = fresh_email("failed");
  const auto id = str(register_user(email).at("user").as_object(), "id");
  const auto events = [&] {
    return count("SELECT count(*) FROM outbox WHERE subject = 'user.login_failed' AND "
                 "payload->'data'->>'user_id' = $1",
                 id);
  };
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call("POST", "/api/v1/auth/login",
                   R"({"email":")" + email + R"(","password":"secret guess )" + std::to_string(i) +
                       R"("})")
                  .status,
              401);
  ASSERT_TRUE(eventually(5s, [&] { return events() == 3; })) << events();
  // The data names the account and why, never what was typed.
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'user.login_failed' AND "
                  "payload->'data'->>'user_id' = $1 AND payload->'data'->>'email' IS NOT NULL "
                  "AND payload->'data'->>'reason' = 'password' AND "
                  "payload::text NOT LIKE '%secret guess%'",
                  id),
            3);
  // A storm on one identifier: failures count towards the lockout, and the attempts refused
  // by it (429, before any password check) publish nothing, so an identifier adds at most five
  // events per window however hard it is hammered.
  int failures = 3;
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    const auto status = call("POST", "/api/v1/auth/login",
                             R"({"email":")" + email + R"(","password":"storm guess"})")
                            .status;
    failures += status == 401 ? 1 : 0;
    refused += status == 429 ? 1 : 0;
  }
  EXPECT_GT(refused, 0);
  ASSERT_TRUE(eventually(5s, [&] { return events() == failures; })) << events() << " " << failures;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(events(), failures);
  // Unknown addresses publish nothing.
  const auto nobody = fresh_email("nobody");
  EXPECT_EQ(call("POST", "/api/v1/auth/login",
                 R"({"email":")" + nobody + R"(","password":"correct horse battery"})")
                .status,
            401);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'user.login_failed' AND "
                  "payload->'data'->>'email' = lower($1)",
                  nobody),
            0);
}

} // namespace
} // namespace gh::test
