// Two-factor building blocks: TOTP against RFC 6238's vectors, recovery codes, sealing of secrets
// at rest, and the decoders of the MFA, reset and deletion bodies.

#include "actors/identity/requests.hpp"
#include "actors/identity/totp.hpp"
#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <variant>

namespace gh {
namespace {

// RFC 6238 appendix B uses this ASCII secret for HMAC-SHA-1.
const std::string rfc_key = "12345678901234567890";

TEST(TotpTest, MatchesRfc6238Vectors) {
  // The RFC lists 8-digit values; the 6-digit code is their last six digits.
  EXPECT_EQ(totp::code_at(rfc_key, 59), "287082");
  EXPECT_EQ(totp::code_at(rfc_key, 1111111109), "081804");
  EXPECT_EQ(totp::code_at(rfc_key, 1111111111), "050471");
  EXPECT_EQ(totp::code_at(rfc_key, 1234567890), "005924");
  EXPECT_EQ(totp::code_at(rfc_key, 2000000000), "279037");
  EXPECT_EQ(totp::code_at(rfc_key, 20000000000), "353130");
}

TEST(TotpTest, AcceptsOneStepEitherSideOnly) {
  const int64_t now = 1111111111;
  const auto step = totp::step_of(now);
  for (int64_t d : {-1, 0, 1}) {
    auto found = totp::match(rfc_key, totp::code_for_step(rfc_key, step + d), now, 0);
    ASSERT_TRUE(found.has_value()) << d;
    EXPECT_EQ(*found, step + d);
  }
  for (int64_t d : {-3, -2, 2, 3})
    EXPECT_FALSE(totp::match(rfc_key, totp::code_for_step(rfc_key, step + d), now, 0)) << d;
}

TEST(TotpTest, ACodeWorksOnceAndNeverBeforeTheLastUsedStep) {
  const int64_t now = 1234567890;
  const auto step = totp::step_of(now);
  const auto code = totp::code_at(rfc_key, now);
  EXPECT_TRUE(totp::match(rfc_key, code, now, step - 1));
  EXPECT_FALSE(totp::match(rfc_key, code, now, step)) << "replay of the same step";
  EXPECT_FALSE(totp::match(rfc_key, totp::code_for_step(rfc_key, step - 1), now, step));
  EXPECT_TRUE(totp::match(rfc_key, totp::code_for_step(rfc_key, step + 1), now, step));
}

TEST(TotpTest, RefusesMalformedCodes) {
  const int64_t now = 59;
  for (const char* bad : {"", "28708", "2870822", "28708a", " 87082", "287 82", "２８７０８２"})
    EXPECT_FALSE(totp::match(rfc_key, bad, now, 0)) << bad;
  EXPECT_FALSE(totp::match("another key", "287082", now, 0));
}

TEST(TotpTest, OtpauthUriNamesIssuerAccountAndSecret) {
  const auto uri = totp::otpauth_uri("Gatehouse", "ann+x@example.com", "JBSWY3DPEHPK3PXP");
  EXPECT_EQ(uri, "otpauth://totp/Gatehouse:ann+x@example.com?secret=JBSWY3DPEHPK3PXP"
                 "&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30");
  EXPECT_NE(totp::otpauth_uri("A B", "x&y", "S").find("A%20B:x%26y"), std::string::npos);
}

TEST(RecoveryCodeTest, CodesAreDistinctGroupedAndNormalise) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto code = totp::new_recovery_code();
    ASSERT_EQ(code.size(), 17U) << code;
    EXPECT_EQ(code[5], '-');
    EXPECT_EQ(code[11], '-');
    auto normal = totp::normalise_recovery_code(code);
    ASSERT_TRUE(normal.has_value()) << code;
    EXPECT_EQ(normal->size(), 15U);
    seen.insert(*normal);
  }
  EXPECT_EQ(seen.size(), 200U);
  EXPECT_EQ(totp::normalise_recovery_code("ABCDE FGHIJ-klmno"), "abcdefghijklmno");
}

TEST(RecoveryCodeTest, RefusesWhatCannotBeOne) {
  for (const char* bad : {"", "abcde-fghij", "abcde-fghij-klmn1", "abcde-fghij-klmnop", "123456",
                          "abcde-fghij-klmn\x01"})
    EXPECT_FALSE(totp::normalise_recovery_code(bad)) << bad;
}

TEST(Base32Test, DecodesWhatEncodeWrites) {
  EXPECT_EQ(crypto::base32_decode("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(crypto::base32_decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(crypto::base32_decode("MZXW 6YTB OI"), "foobar");
  for (std::size_t n = 0; n < 40; ++n) {
    const auto bytes = crypto::random_bytes(n);
    EXPECT_EQ(crypto::base32_decode(crypto::base32_encode(bytes)), bytes) << n;
  }
  EXPECT_FALSE(crypto::base32_decode("MZXW1"));
  EXPECT_FALSE(crypto::base32_decode("MZXW===="));
}

TEST(SealTest, Rfc5869Hkdf) {
  // RFC 5869 test case 3: SHA-256, no salt, no info.
  EXPECT_EQ(crypto::to_hex(crypto::hkdf_sha256(std::string(22, '\x0b'), "", 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

TEST(SealTest, OpensOnlyUnderTheSameKeyAndContext) {
  const auto key = crypto::random_bytes(32);
  const auto sealed = crypto::seal(key, "secret bytes", "totp:user-a");
  EXPECT_EQ(sealed.find("secret"), std::string::npos);
  EXPECT_EQ(crypto::open(key, sealed, "totp:user-a"), "secret bytes");
  EXPECT_FALSE(crypto::open(key, sealed, "totp:user-b")) << "moved to another row";
  EXPECT_FALSE(crypto::open(crypto::random_bytes(32), sealed, "totp:user-a"));
  EXPECT_NE(crypto::seal(key, "secret bytes", "totp:user-a"), sealed) << "nonces are random";
}

TEST(SealTest, RefusesTamperedAndMalformedValues) {
  const auto key = crypto::random_bytes(32);
  const auto sealed = crypto::seal(key, "0123456789abcdefghij", "c");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto bad = sealed;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(crypto::open(key, bad, "c")) << i;
  }
  for (const char* bad : {"", "AAAA", "not base64!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    EXPECT_FALSE(crypto::open(key, bad, "c")) << bad;
  EXPECT_FALSE(crypto::open("short key", sealed, "c"));
  EXPECT_THROW((void)crypto::seal("short key", "x", "c"), std::invalid_argument);
}

template <class T>
bool names(const identity::decoded<T>& d, std::string_view field) {
  const auto* errors = std::get_if<identity::field_errors>(&d);
  if (errors == nullptr)
    return false;
  for (const auto& e : *errors)
    if (e.field == field)
      return true;
  return false;
}

TEST(RecoveryRequestsTest, TotpCodeIsARequiredShortString) {
  EXPECT_EQ(std::get<std::string>(identity::decode_totp_code(R"({"code":"123456"})")), "123456");
  EXPECT_TRUE(names(identity::decode_totp_code("{}"), "code"));
  EXPECT_TRUE(names(identity::decode_totp_code(R"({"code":null})"), "code"));
  EXPECT_TRUE(names(identity::decode_totp_code(R"({"code":123456})"), "code"));
  EXPECT_TRUE(
      names(identity::decode_totp_code(R"({"code":")" + std::string(33, '1') + "\"}"), "code"));
  EXPECT_TRUE(names(identity::decode_totp_code(R"({"code":"1","x":1})"), "x"));
  EXPECT_TRUE(names(identity::decode_totp_code("[1]"), ""));
}

TEST(RecoveryRequestsTest, ForgotNormalisesTheEmail) {
  EXPECT_EQ(
      std::get<std::string>(identity::decode_password_forgot(R"({"email":"Ann@Example.COM"})")),
      "ann@example.com");
  EXPECT_TRUE(names(identity::decode_password_forgot(R"({"email":"not an address"})"), "email"));
  EXPECT_TRUE(names(identity::decode_password_forgot("{}"), "email"));
  EXPECT_TRUE(
      names(identity::decode_password_forgot(R"({"email":"a@b.co","phone":"+1"})"), "phone"));
}

TEST(RecoveryRequestsTest, ResetChecksTokenAndNewPassword) {
  auto ok =
      identity::decode_password_reset(R"({"token":"abc","new_password":"correct horse battery"})");
  ASSERT_TRUE(std::holds_alternative<identity::password_reset_request>(ok));
  EXPECT_EQ(std::get<identity::password_reset_request>(ok).token, "abc");
  auto weak = identity::decode_password_reset(R"({"token":"abc","new_password":"short"})");
  EXPECT_TRUE(names(weak, "new_password"));
  auto missing = identity::decode_password_reset("{}");
  EXPECT_TRUE(names(missing, "token"));
  EXPECT_TRUE(names(missing, "new_password"));
  EXPECT_TRUE(
      names(identity::decode_password_reset(R"({"token":"a\u0000b","new_password":1})"), "token"));
}

TEST(RecoveryRequestsTest, DeletionNeedsThePassword) {
  EXPECT_EQ(std::get<std::string>(identity::decode_account_deletion(R"({"password":"pw"})")), "pw");
  EXPECT_TRUE(names(identity::decode_account_deletion("{}"), "password"));
  EXPECT_TRUE(names(identity::decode_account_deletion(R"({"password":false})"), "password"));
  EXPECT_TRUE(names(identity::decode_account_deletion(R"({"password":"x","name":"y"})"), "name"));
}

} // namespace
} // namespace gh
