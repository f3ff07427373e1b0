// Federation end to end (API.md "Federation"): Gatehouse signs people in with two real OpenID
// providers at once (npm's oidc-provider, tests/support/oidc/), driven through their real forms
// over plain HTTP, and links and unlinks them.
#include "tests/integration/federation_fixture.hpp"

using namespace gh::test;

namespace {

TEST_F(FederationTest, EitherProviderSignsInAndTheUserIsMadeOnce) {
  const auto login = unique("ada");
  oidc_browser first;
  auto done = sign_in(first, "alpha", login, "?redirect=/console");
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.location, base + "/console");
  ASSERT_TRUE(first.cookie(base + "/", "gh_access"));
  ASSERT_TRUE(first.cookie(base + "/", "gh_refresh"));
  auto profile = me(first);
  EXPECT_EQ(profile.at("email").as_string(), login + "@example.test");
  auto linked = profile.at("identities").as_array();
  ASSERT_EQ(linked.size(), 1U);
  EXPECT_EQ(linked[0].at("provider").as_string(), "alpha");
  EXPECT_EQ(linked[0].at("subject").as_string(), login);

  // The second sign-in finds the same user.
  oidc_browser again;
  ASSERT_EQ(sign_in(again, "alpha", login).status, 302);
  EXPECT_EQ(me(again).at("id"), profile.at("id"));

  // The other provider works beside it: a different identity, a different user.
  oidc_browser other;
  ASSERT_EQ(sign_in(other, "beta", unique("grace")).status, 302);
  EXPECT_NE(me(other).at("id"), profile.at("id"));
}

TEST_F(FederationTest, ASignedInUserLinksTheOtherProviderAndUnlinksAllButTheLast) {
  oidc_browser b;
  ASSERT_EQ(sign_in(b, "alpha", unique("lin")).status, 302);
  auto linked = sign_in(b, "beta", unique("lin-beta"), "?link=true&redirect=/done");
  ASSERT_EQ(linked.status, 302) << linked.body;
  EXPECT_EQ(linked.location, base + "/done");
  ASSERT_EQ(identities(b).size(), 2U);

  const auto bearer = "Bearer " + b.cookie(base + "/", "gh_access").value_or("");
  auto gone = http_call(gh_port, "DELETE", "/api/v1/users/me/identities/beta", {},
                        {{"Authorization", bearer}});
  EXPECT_EQ(gone.status, 204) << gone.body;
  ASSERT_EQ(identities(b).size(), 1U);
  // No password and one identity left: that is the only way in.
  auto last = http_call(gh_port, "DELETE", "/api/v1/users/me/identities/alpha", {},
                        {{"Authorization", bearer}});
  EXPECT_EQ(last.status, 409) << last.body;
  auto none = http_call(gh_port, "DELETE", "/api/v1/users/me/identities/beta", {},
                        {{"Authorization", bearer}});
  EXPECT_EQ(none.status, 404);
}

TEST_F(FederationTest, LinkingNeedsASignedInUser) {
  oidc_browser b;
  auto r = b.request("GET", base + "/api/v1/auth/oidc/beta/login?link=true");
  EXPECT_EQ(r.status, 401);
}

TEST_F(FederationTest, AnIdentityOfAnotherAccountIsNotLinkedTwice) {
  const auto login = unique("owned");
  oidc_browser owner;
  ASSERT_EQ(sign_in(owner, "beta", login).status, 302);
  oidc_browser thief;
  ASSERT_EQ(sign_in(thief, "alpha", unique("thief")).status, 302);
  auto r = sign_in(thief, "beta", login, "?link=true");
  EXPECT_EQ(r.status, 409) << r.body;
}

TEST_F(FederationTest, AReplayedCallbackIsRefusedAndSetsNothing) {
  oidc_browser b;
  const auto callback = to_callback(b, "alpha", unique("replay"));
  ASSERT_EQ(b.request("GET", callback).status, 302);
  oidc_browser fresh;
  // The same browser cookie, the same state and code again.
  auto again = b.request("GET", callback);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(field_of(again.body), "state");
  EXPECT_EQ(again.headers.count("set-cookie"), 0U);
}

TEST_F(FederationTest, AStateFromAnotherBrowserIsRefused) {
  // Login CSRF: an attacker's own authorization response planted in the victim's browser.
  oidc_browser attacker;
  const auto callback = to_callback(attacker, "alpha", unique("mallory"));
  oidc_browser victim;
  ASSERT_EQ(victim.request("GET", base + "/api/v1/auth/oidc/alpha/login").status, 302);
  auto r = victim.request("GET", callback);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(field_of(r.body), "state");
  EXPECT_FALSE(victim.cookie(base + "/", "gh_access"));
}

TEST_F(FederationTest, AnAnswerForOneProviderIsRefusedAtTheOther) {
  // Mix-up: alpha's authorization response delivered to beta's callback.
  oidc_browser b;
  const auto callback = to_callback(b, "alpha", unique("mix"));
  const auto query = callback.substr(callback.find('?'));
  auto r = b.request("GET", callback_prefix("beta") + query);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(field_of(r.body), "state");
}

TEST_F(FederationTest, RedirectsStayOnAllowedOrigins) {
  oidc_browser b;
  for (const std::string target :
       {"https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"}) {
    auto r = b.request("GET", base + "/api/v1/auth/oidc/alpha/login?redirect=" +
                                  gh::test::form_encode({{"x", target}}).substr(2));
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(field_of(r.body), "redirect") << target;
  }
  auto allowed =
      b.request("GET", base + "/api/v1/auth/oidc/alpha/login?redirect=" +
                           gh::test::form_encode({{"x", "https://app.example.test/w"}}).substr(2));
  EXPECT_EQ(allowed.status, 302);
  EXPECT_EQ(allowed.location.rfind(peer->a().issuer, 0), 0U) << allowed.location;
}

TEST_F(FederationTest, AnUntrustedProviderCannotTakeOverAnAccountByItsAddress) {
  const auto email = unique("victim") + "@example.test";
  auto reg = http_call(gh_port, "POST", "/api/v1/auth/register",
                       R"({"email":")" + email + R"(","password":"correct horse battery"})",
                       {{"Content-Type", "application/json"}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  // alpha is not trusted for e-mail: its claim of the victim's address links nothing.
  oidc_browser attacker;
  auto r = sign_in(attacker, "alpha", email);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_FALSE(attacker.cookie(base + "/", "gh_access"));
  // beta is trusted and says the address is verified: the account gains beta's identity.
  oidc_browser owner;
  ASSERT_EQ(sign_in(owner, "beta", email).status, 302);
  EXPECT_EQ(me(owner).at("email").as_string(), email);
  EXPECT_EQ(identities(owner).size(), 1U);
}

TEST_F(FederationTest, UnknownAndUnreachableProvidersAreProblems) {
  oidc_browser b;
  EXPECT_EQ(b.request("GET", base + "/api/v1/auth/oidc/nobody/login").status, 404);
  auto down = b.request("GET", base + "/api/v1/auth/oidc/down/login");
  EXPECT_EQ(down.status, 503) << down.body;
  // The others keep working.
  EXPECT_EQ(b.request("GET", base + "/api/v1/auth/oidc/beta/login").status, 302);
}

} // namespace
