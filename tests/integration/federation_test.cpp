// Federation end to end (API.md "Federation"): Gatehouse signs people in with two real OpenID
// providers at once (npm's oidc-provider, tests/support/oidc/), driven through their real forms
// over plain HTTP, and links and unlinks them.
#include "crypto/crypto.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/oidc_browser.hpp"
#include "tests/support/oidc_peer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

using namespace gh::test;
namespace json = boost::json;

namespace {

class FederationTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-federation-" + gh::crypto::random_token(6));
    std::filesystem::create_directories(dir);
    peer = new oidc_peer();
    ASSERT_TRUE(peer->ready());
    gh_port = free_port();
    base = "http://127.0.0.1:" + std::to_string(gh_port);
    server = new gatehouse_process({
        {"GATEHOUSE_DATA_DIR", (dir / "data").string()},
        {"GATEHOUSE_LISTEN", "127.0.0.1:" + std::to_string(gh_port)},
        {"GATEHOUSE_PUBLIC_URL", base},
        {"GATEHOUSE_REGISTER_RATE", "100000"},
        {"GATEHOUSE_LOGIN_RATE", "100000"},
        {"GATEHOUSE_ALLOWED_REDIRECTS", "https://app.example.test"},
        {"OIDC_PROVIDERS", "alpha,beta,down"},
        {"OIDC_ALPHA_ISSUER", peer->a().issuer},
        {"OIDC_ALPHA_CLIENT_ID", peer->a().client_id},
        {"OIDC_ALPHA_CLIENT_SECRET", peer->a().client_secret},
        {"OIDC_BETA_ISSUER", peer->b().issuer},
        {"OIDC_BETA_CLIENT_ID", peer->b().client_id},
        {"OIDC_BETA_CLIENT_SECRET", peer->b().client_secret},
        {"OIDC_BETA_TRUST_EMAIL", "true"},
        {"OIDC_DOWN_ISSUER", "http://127.0.0.1:" + std::to_string(free_port())},
        {"OIDC_DOWN_CLIENT_ID", "nobody"},
    });
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    delete peer;
    peer = nullptr;
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
  static inline gatehouse_process* server = nullptr;
  static inline uint16_t gh_port = 0;
  static inline std::string base;
};

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
