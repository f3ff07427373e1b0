#include "actors/federation/commands.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace gh::federation;

TEST(FederationCommandsTest, ProviderArgumentTakesProviderNamesInAnyCase) {
  EXPECT_EQ(provider_argument("alpha"), "alpha");
  EXPECT_EQ(provider_argument("Beta"), "beta");
  EXPECT_EQ(provider_argument("KEYCLOAK-eu_2"), "keycloak-eu_2");
  EXPECT_EQ(provider_argument(std::string(32, 'a')), std::string(32, 'a'));
}

TEST(FederationCommandsTest, ProviderArgumentRefusesWhatNoProviderIsNamed) {
  for (std::string_view word :
       {"", "1alpha", "-alpha", "_alpha", "al pha", "alpha/../beta", "alpha?link=false", "al%70ha",
        "alpha.beta", "alpha\n", "\xc3\xa4lpha", "alpha\xff"})
    EXPECT_FALSE(provider_argument(word)) << word;
  EXPECT_FALSE(provider_argument(std::string(33, 'a')));
  EXPECT_FALSE(provider_argument(std::string_view{"al\0ha", 5}));
}

TEST(FederationCommandsTest, LinkUrlAsksForALinkBackToTheConsole) {
  EXPECT_EQ(link_url("http://127.0.0.1:8080", "beta"),
            "http://127.0.0.1:8080/api/v1/auth/oidc/beta/login?link=true&redirect=/");
  EXPECT_EQ(link_url("https://id.example.test", "google"),
            "https://id.example.test/api/v1/auth/oidc/google/login?link=true&redirect=/");
}

TEST(FederationCommandsTest, IdentitiesOfAProfile) {
  const auto list = identities_of(
      R"({"id":"u1","email":"a@example.test","identities":[{"provider":"alpha","subject":"a",)"
      R"("email":"a@example.test","linked_at":"2026-12-06T19:00:00Z"}]})");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1U);
  EXPECT_EQ(list->at(0).at("provider").as_string(), "alpha");
  const auto none = identities_of(R"({"id":"u1","identities":[]})");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(FederationCommandsTest, IdentitiesOfMalformedBodiesIsNothing) {
  for (std::string_view body :
       {"", "null", "[]", "\"identities\"", R"({"id":"u1"})", R"({"identities":{}})",
        R"({"identities":null})", R"({"identities":"alpha"})", R"({"identities":[)",
        "{\"identities\":[\"\xff\"]}", R"({"identities":[]} trailing)"})
    EXPECT_FALSE(identities_of(body)) << body;
}
