#include "config/loader.hpp"
#include "tests/unit/config/load_env.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

using namespace gh::config;

using namespace gh::config::test;

namespace {

load_result load_oidc(env_vars env) {
  return load(std::move(env), {{"/run/secrets/hook", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"}});
}

} // namespace

TEST(OidcSettingsTest, TwoProvidersWithEveryOption) {
  auto r = load_oidc({{"OIDC_PROVIDERS", "Keycloak, fusion-auth"},
                      {"OIDC_KEYCLOAK_ISSUER", "https://kc.example.com/realms/app"},
                      {"OIDC_KEYCLOAK_CLIENT_ID", "gatehouse"},
                      {"OIDC_KEYCLOAK_CLIENT_SECRET", "s3cret"},
                      {"OIDC_KEYCLOAK_TRUST_EMAIL", "true"},
                      {"OIDC_KEYCLOAK_ACCEPT_TOKENS", "access,id"},
                      {"OIDC_FUSION_AUTH_ISSUER", "https://fa.example.com"},
                      {"OIDC_FUSION_AUTH_CLIENT_ID", "app"},
                      {"OIDC_FUSION_AUTH_SCOPES", "openid email"},
                      {"OIDC_FUSION_AUTH_ACCEPT_TOKENS", "id"},
                      {"OIDC_FUSION_AUTH_WEBHOOK_SECRET_FILE", "/run/secrets/hook"}});
  ASSERT_TRUE(std::holds_alternative<settings>(r)) << ::testing::PrintToString(failing(r));
  const auto& p = std::get<settings>(r).oidc_providers;
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p[0].name, "keycloak");
  EXPECT_EQ(p[0].issuer, "https://kc.example.com/realms/app");
  EXPECT_EQ(p[0].client_secret.reveal(), "s3cret");
  EXPECT_EQ(p[0].scopes, "openid email profile");
  EXPECT_TRUE(p[0].trust_email);
  EXPECT_TRUE(p[0].accept_access_tokens);
  EXPECT_TRUE(p[0].accept_id_tokens);
  EXPECT_TRUE(p[0].webhook_secret.empty());
  EXPECT_EQ(p[1].name, "fusion-auth");
  EXPECT_EQ(p[1].scopes, "openid email");
  EXPECT_FALSE(p[1].trust_email);
  EXPECT_FALSE(p[1].accept_access_tokens);
  EXPECT_TRUE(p[1].accept_id_tokens);
  EXPECT_EQ(p[1].webhook_secret.reveal(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
}

TEST(OidcSettingsTest, EveryProblemIsNamed) {
  auto r = load_oidc({{"OIDC_PROVIDERS", "a,a,9bad,b"},
                      {"OIDC_A_ISSUER", "ftp://idp.example.com"},
                      {"OIDC_A_SCOPES", "email profile"},
                      {"OIDC_A_TRUST_EMAIL", "yes"},
                      {"OIDC_A_ACCEPT_TOKENS", "access,refresh"},
                      {"OIDC_B_ISSUER", "http://idp.example.com"},
                      {"OIDC_B_CLIENT_ID", "x"}});
  EXPECT_TRUE(fails(r, "OIDC_PROVIDERS"));
  EXPECT_TRUE(fails(r, "OIDC_A_ISSUER"));
  EXPECT_TRUE(fails(r, "OIDC_A_CLIENT_ID"));
  EXPECT_TRUE(fails(r, "OIDC_A_SCOPES"));
  EXPECT_TRUE(fails(r, "OIDC_A_TRUST_EMAIL"));
  EXPECT_TRUE(fails(r, "OIDC_A_ACCEPT_TOKENS"));
  // Plain HTTP to another machine would let anyone on the path forge the provider's answers.
  EXPECT_TRUE(fails(r, "OIDC_B_ISSUER"));
  EXPECT_FALSE(fails(r, "OIDC_B_CLIENT_ID"));
}

TEST(OidcSettingsTest, PlainHttpOnlyToALoopbackProviderInDevelopment) {
  const env_vars dev{{"OIDC_PROVIDERS", "local"},
                     {"OIDC_LOCAL_ISSUER", "http://127.0.0.1:9400"},
                     {"OIDC_LOCAL_CLIENT_ID", "gatehouse"}};
  EXPECT_TRUE(std::holds_alternative<settings>(load_oidc(dev)));
  auto prod = dev;
  prod["GATEHOUSE_ENV"] = "production";
  EXPECT_TRUE(fails(load_oidc(prod), "OIDC_LOCAL_ISSUER"));
}
