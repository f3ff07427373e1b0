// Providers' tokens as bearer (API.md "Federation"): a Cognito-shaped access token, an RFC 9068
// access token from a real oidc-provider sign-in and a Cognito ID token map to the same
// just-in-time users as sign-ins; every forgery the issue lists answers 401.
#include "tests/integration/federation_fixture.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <thread>

using namespace gh::test;

namespace {

std::string user_id_of(const http_reply& r) {
  return std::string{json::parse(r.body).as_object().at("id").as_string()};
}

TEST_F(FederationTest, ACognitoAccessTokenIsABearerOfItsOwnUser) {
  const auto sub = unique("cog");
  const auto token = peer->mint(peer->cognito_access_claims(sub));
  auto first = me_with(token);
  ASSERT_EQ(first.status, 200) << first.body;
  auto profile = json::parse(first.body).as_object();
  const auto& linked = profile.at("identities").as_array();
  ASSERT_EQ(linked.size(), 1U);
  EXPECT_EQ(linked[0].at("provider").as_string(), "cognito");
  EXPECT_EQ(linked[0].at("subject").as_string(), sub);
  // The same token again (now remembered), and a second token of the same person: one user.
  auto again = me_with(token);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(user_id_of(again), user_id_of(first));
  auto other = me_with(peer->mint(peer->cognito_access_claims(sub)));
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(user_id_of(other), user_id_of(first));
}

TEST_F(FederationTest, AnAccessTokenOfASignInIsTheSameUserAsTheBrowserSignIn) {
  const auto login = unique("rfc");
  oidc_browser b;
  ASSERT_EQ(sign_in(b, "alpha", login).status, 302);
  const auto browser_user = me(b).at("id");
  auto tokens = peer->sign_in(oidc_issuer::a, login);
  ASSERT_TRUE(tokens.contains("access_token"));
  const std::string access{tokens.at("access_token").as_string()};
  EXPECT_EQ(jwt_header(access).at("typ").as_string(), "at+jwt");
  auto r = me_with(access);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).as_object().at("id"), browser_user);
  // alpha accepts access tokens only: its ID token is refused.
  const std::string id_token{tokens.at("id_token").as_string()};
  EXPECT_EQ(me_with(id_token).status, 401);
}

TEST_F(FederationTest, ACognitoIdTokenCountsWhereIdTokensAreAccepted) {
  auto r = me_with(peer->mint(peer->cognito_id_claims(unique("cogid"))));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(FederationTest, ForgedAndMisdirectedProviderTokensAreRefused) {
  const auto sub = unique("forged");
  const auto access = peer->cognito_access_claims(sub);
  const auto now = static_cast<int64_t>(std::time(nullptr));
  auto with = [](json::object claims, std::string_view key, const json::value& value) {
    claims[key] = value;
    return claims;
  };
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a key the JWKS does not hold", peer->mint(access, "other-key")},
      {"alg none", peer->mint(access, "none")},
      {"HS256 keyed with the public key", peer->mint(access, "hs256-with-public-key")},
      {"HS256 keyed with the public JWK", peer->mint(access, "hs256-with-public-jwk")},
      {"expired", peer->mint(with(access, "exp", json::value(now - 3600)))},
      {"another client's access token", peer->mint(with(access, "client_id", "someone-else"))},
      {"an ID token for another audience",
       peer->mint(with(peer->cognito_id_claims(sub), "aud", "someone-else"))},
      {"token_use id presented with access claims", peer->mint(with(access, "token_use", "id"))},
      {"token_use refresh", peer->mint(with(access, "token_use", "refresh"))},
      // Mix-up: alpha's issuer on a token signed by the cognito issuer's key.
      {"another provider's issuer", peer->mint(with(access, "iss", json::value(peer->a().issuer)))},
      {"an issuer nobody configured", peer->mint(with(access, "iss", "https://idp.example.test"))},
  };
  for (const auto& [what, token] : cases) {
    ASSERT_FALSE(token.empty()) << what;
    auto r = me_with(token);
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
  }
  // None of them made a user.
  pqxx::connection conn{required_env("DATABASE_URL")};
  pqxx::work tx{conn};
  auto rows = tx.exec_params("SELECT 1 FROM user_identities WHERE subject = $1", sub);
  EXPECT_TRUE(rows.empty());
}

TEST_F(FederationTest, ARotatedKeyIsFetchedOnItsFirstToken) {
  const auto sub = unique("rot");
  ASSERT_EQ(me_with(peer->mint(peer->cognito_access_claims(sub))).status, 200);
  const auto kid = peer->rotate();
  const auto token = peer->mint(peer->cognito_access_claims(sub));
  EXPECT_EQ(jwt_header(token).at("kid").as_string(), kid);
  EXPECT_EQ(me_with(token).status, 200);
}

TEST_F(FederationTest, ADisabledUsersProviderTokenIsRefusedWithinASecond) {
  const auto sub = unique("gone");
  const auto token = peer->mint(peer->cognito_access_claims(sub));
  auto first = me_with(token);
  ASSERT_EQ(first.status, 200) << first.body;
  {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::work tx{conn};
    tx.exec_params("UPDATE users SET status = 'disabled' WHERE id = $1::uuid", user_id_of(first));
    tx.commit();
  }
  const auto disabled_at = std::chrono::steady_clock::now();
  int status = 200;
  while (std::chrono::steady_clock::now() - disabled_at < std::chrono::milliseconds{1500}) {
    status = me_with(token).status;
    if (status == 401)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  EXPECT_EQ(status, 401);
  EXPECT_LE(std::chrono::steady_clock::now() - disabled_at, std::chrono::milliseconds{1100});
}

TEST_F(FederationTest, AProviderThatIsDownAnswers503ForItsTokensOnly) {
  // A token naming the unreachable provider's issuer: its keys cannot be fetched.
  json::object claims{{"sub", "x"}, {"aud", "nobody"}, {"iss", down_issuer}};
  auto r = me_with(peer->mint(claims));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(me_with(peer->mint(peer->cognito_access_claims(unique("up")))).status, 200);
}

TEST_F(FederationTest, TheProxyTakesAProviderTokenAndPassesOnItsUser) {
  const auto sub = unique("svc");
  const auto token = peer->mint(peer->cognito_access_claims(sub));
  // The first call is the proxy's: the token is settled on its way to the internal service.
  auto r = http_call(gh_port, "POST", "/api/v1/generation/create", R"({"goal":"x"})",
                     {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto seen = upstream->last();
  EXPECT_EQ(seen.target, "/svc/create");
  auto me = me_with(token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(seen.header("x-gatehouse-user-id"), user_id_of(me));
  EXPECT_EQ(seen.header("authorization"), "");
  // A forged one never reaches the service.
  const auto before = upstream->requests().size();
  auto forged = http_call(
      gh_port, "GET", "/api/v1/generation/echo", {},
      {{"Authorization", "Bearer " + peer->mint(peer->cognito_access_claims(sub), "other-key")}});
  EXPECT_EQ(forged.status, 401) << forged.body;
  EXPECT_EQ(upstream->requests().size(), before);
}

} // namespace
