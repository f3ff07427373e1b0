#include "actors/federation/login_state.hpp"

#include <gtest/gtest.h>

using namespace gh::federation;

namespace {

const std::vector<std::string> origins{"http://127.0.0.1:8080", "https://app.example.test"};

std::string failed_field(const std::variant<login_query, gh::decode::field_errors>& r) {
  const auto* errors = std::get_if<gh::decode::field_errors>(&r);
  return errors == nullptr || errors->empty() ? std::string{} : errors->front().field;
}

std::string failed_field(const std::variant<callback_query, gh::decode::field_errors>& r) {
  const auto* errors = std::get_if<gh::decode::field_errors>(&r);
  return errors == nullptr || errors->empty() ? std::string{} : errors->front().field;
}

} // namespace

TEST(LoginStateTest, LoginQueryDefaultsAndAllowedRedirects) {
  auto plain = decode_login_query("", origins);
  ASSERT_TRUE(std::holds_alternative<login_query>(plain));
  EXPECT_EQ(std::get<login_query>(plain).redirect, "/");
  EXPECT_FALSE(std::get<login_query>(plain).link);

  auto path = decode_login_query("redirect=%2Fconsole%3Ftab%3D2&link=true", origins);
  ASSERT_TRUE(std::holds_alternative<login_query>(path));
  EXPECT_EQ(std::get<login_query>(path).redirect, "/console?tab=2");
  EXPECT_TRUE(std::get<login_query>(path).link);

  auto other = decode_login_query("redirect=https%3A%2F%2Fapp.example.test%2Fdone", origins);
  ASSERT_TRUE(std::holds_alternative<login_query>(other));
  EXPECT_EQ(std::get<login_query>(other).redirect, "https://app.example.test/done");
}

TEST(LoginStateTest, OpenRedirectsAreRefused) {
  for (const char* query : {
           "redirect=https%3A%2F%2Fevil.example%2F", // another origin
           "redirect=%2F%2Fevil.example%2F",         // scheme-relative
           "redirect=%2F%5Cevil.example",            // backslash, read as a host by browsers
           "redirect=javascript%3Aalert(1)",         // not http(s)
           "redirect=https%3A%2F%2Fapp.example.test.evil.example%2F",
           "redirect=https%3A%2F%2Fuser%40app.example.test%2F", // userinfo
           "redirect=%2Fa%0D%0ASet-Cookie%3A%20x%3D1",          // header splitting
           "redirect=",                                         // empty
       })
    EXPECT_EQ(failed_field(decode_login_query(query, origins)), "redirect") << query;
  EXPECT_EQ(failed_field(decode_login_query("redirect=/" + std::string(2100, 'a'), origins)),
            "redirect");
}

TEST(LoginStateTest, MalformedLoginQueriesNameTheirField) {
  EXPECT_EQ(failed_field(decode_login_query("link=yes", origins)), "link");
  EXPECT_FALSE(failed_field(decode_login_query("redirect=%2F&redirect=%2Fx", origins)).empty());
  EXPECT_FALSE(failed_field(decode_login_query("nonce=x", origins)).empty());
  EXPECT_FALSE(failed_field(decode_login_query("redirect=%zz", origins)).empty());
}

TEST(LoginStateTest, CallbackQueries) {
  auto ok = decode_callback_query("code=abc&state=xyz&iss=http%3A%2F%2F127.0.0.1%3A9000");
  ASSERT_TRUE(std::holds_alternative<callback_query>(ok));
  EXPECT_EQ(std::get<callback_query>(ok).code, "abc");
  EXPECT_EQ(std::get<callback_query>(ok).state, "xyz");
  EXPECT_EQ(std::get<callback_query>(ok).iss, "http://127.0.0.1:9000");

  auto refused = decode_callback_query("error=access_denied&state=xyz");
  ASSERT_TRUE(std::holds_alternative<callback_query>(refused));
  EXPECT_EQ(std::get<callback_query>(refused).error, "access_denied");
  EXPECT_TRUE(std::get<callback_query>(refused).code.empty());

  EXPECT_EQ(failed_field(decode_callback_query("code=abc")), "state");
  EXPECT_EQ(failed_field(decode_callback_query("state=xyz")), "code");
  EXPECT_EQ(failed_field(decode_callback_query("")), "state");
  EXPECT_EQ(failed_field(decode_callback_query("code=a%0Ab&state=x")), "code");
  EXPECT_EQ(failed_field(decode_callback_query("code=a&state=" + std::string(300, 's'))), "state");
  EXPECT_FALSE(failed_field(decode_callback_query("code=a&state=b&state=c")).empty());
  EXPECT_FALSE(failed_field(decode_callback_query("code=a&state=b&extra=1")).empty());
}

TEST(LoginStateTest, RecordsRoundTripAndRefuseAnythingElse) {
  login_record r{"alpha", "n", "v", "/x", "h", "user-1", "tenant-1"};
  auto back = decode_record(encode_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->provider, "alpha");
  EXPECT_EQ(back->code_verifier, "v");
  EXPECT_EQ(back->link_user, "user-1");
  EXPECT_EQ(back->link_tenant, "tenant-1");
  login_record sign_in{"beta", "n", "v", "/", "h", "", ""};
  auto plain = decode_record(encode_record(sign_in));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->link_user.empty());
  for (const char* bad : {"", "null", "[]", "{}",
                          R"({"provider":1,"nonce":"n","verifier":"v",)"
                          R"("redirect":"/","binding":"h"})",
                          "{\"provider\":\"a\""})
    EXPECT_FALSE(decode_record(bad)) << bad;
  // Only a hash of the state names the record.
  EXPECT_EQ(record_key("s").find('s', 14), std::string::npos);
  EXPECT_NE(record_key("s"), record_key("t"));
}
