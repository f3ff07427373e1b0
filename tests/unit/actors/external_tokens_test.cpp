#include "actors/external_tokens.hpp"

#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace gh;

namespace {

std::string jwt_with_issuer(const std::string& payload) {
  return crypto::base64url_encode(R"({"alg":"RS256"})") + "." + crypto::base64url_encode(payload) +
         ".sig";
}

principal caller(int64_t expires_at) {
  principal who;
  who.type = principal::kind::user;
  who.user_id = "u1";
  who.expires_at = expires_at;
  return who;
}

} // namespace

TEST(ExternalTokensTest, OnlyAcceptedIssuersAreExternal) {
  external_tokens tokens;
  tokens.accept_issuer("https://idp.example.test");
  EXPECT_TRUE(tokens.is_external(jwt_with_issuer(R"({"iss":"https://idp.example.test"})")));
  EXPECT_FALSE(tokens.is_external(jwt_with_issuer(R"({"iss":"https://other.example.test"})")));
  EXPECT_FALSE(tokens.is_external(jwt_with_issuer(R"({"iss":1})")));
  EXPECT_FALSE(tokens.is_external(jwt_with_issuer("not json")));
  EXPECT_FALSE(tokens.is_external("no-dots"));
  EXPECT_FALSE(tokens.is_external("a.%%%.c"));
  EXPECT_FALSE(tokens.is_external(jwt_with_issuer(R"({"iss":"https://idp.example.test","x":")" +
                                                  std::string(20000, 'a') + R"("})")));
  EXPECT_EQ(unverified_issuer(jwt_with_issuer(R"({"iss":"https://idp.example.test"})")),
            "https://idp.example.test");
}

TEST(ExternalTokensTest, AnAnswerHoldsForItsTimeThenOneRequestSettlesItAgain) {
  external_tokens tokens;
  const int64_t now = 1'000'000;
  EXPECT_FALSE(tokens.find("t", now));
  tokens.put("t", caller(now + 3600));
  ASSERT_TRUE(tokens.find("t", now));
  EXPECT_EQ(tokens.find("t", now)->user_id, "u1");
  // A token past its own expiry is never answered.
  EXPECT_FALSE(tokens.find("t", now + 3600));
  std::this_thread::sleep_for(external_tokens::recheck + std::chrono::milliseconds{20});
  // The first request after `recheck` goes to the resolver; the others keep the answer.
  EXPECT_FALSE(tokens.find("t", now));
  EXPECT_TRUE(tokens.find("t", now));
  // A failed settling forgets it at once.
  tokens.forget("t");
  EXPECT_FALSE(tokens.find("t", now));
  EXPECT_FALSE(tokens.find("t", now));
}

TEST(ExternalTokensTest, AnUnsettledAnswerEndsAfterTheGrace) {
  external_tokens tokens;
  const int64_t now = 1'000'000;
  tokens.put("t", caller(now + 3600));
  std::this_thread::sleep_for(external_tokens::recheck + external_tokens::grace +
                              std::chrono::milliseconds{20});
  EXPECT_FALSE(tokens.find("t", now));
  EXPECT_FALSE(tokens.find("t", now));
}
