#include "crypto/crypto.hpp"
#include "tests/support/text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

using namespace gh;

TEST(CryptoTest, Base64UrlRoundTripsEveryLength) {
  for (std::size_t n = 0; n <= 40; ++n) {
    const auto bytes = crypto::random_bytes(n);
    ASSERT_EQ(bytes.size(), n);
    const auto text = crypto::base64url_encode(bytes);
    EXPECT_EQ(text.size(), (n * 4 + 2) / 3) << n;
    EXPECT_EQ(text.find_first_not_of(gh::test::base64url_chars), std::string::npos) << text;
    EXPECT_EQ(crypto::base64url_decode(text), bytes) << n;
  }
  std::string every_byte;
  for (int i = 0; i < 256; ++i)
    every_byte += static_cast<char>(i);
  EXPECT_EQ(crypto::base64url_decode(crypto::base64url_encode(every_byte)), every_byte);
}

TEST(CryptoTest, Base64UrlMatchesRfc4648Vectors) {
  EXPECT_EQ(crypto::base64url_encode(""), "");
  EXPECT_EQ(crypto::base64url_encode("f"), "Zg");
  EXPECT_EQ(crypto::base64url_encode("fo"), "Zm8");
  EXPECT_EQ(crypto::base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(crypto::base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(crypto::base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(crypto::base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(crypto::base64url_encode("\xfb\xff\xbf"), "-_-_"); // URL alphabet, not "+/+/"
  EXPECT_EQ(crypto::base64url_decode("-_-_"), "\xfb\xff\xbf");
}

TEST(CryptoTest, Base64UrlDecodeRefusesNonCanonicalText) {
  EXPECT_EQ(crypto::base64url_decode(""), "");
  EXPECT_EQ(crypto::base64url_decode("AA"), std::string(1, '\0'));
  EXPECT_EQ(crypto::base64url_decode("AAE"), std::string_view("\0\x01", 2));
  for (const std::string_view bad : {"a", "AAAAA", "ab=", "Zg==", "AAA=", "a+b/", "+/+/", "AB",
                                     "AAB", "Zh", "Zm9", "A A", "AA\n", "AA.A"})
    EXPECT_FALSE(crypto::base64url_decode(bad).has_value()) << bad;
}

TEST(CryptoTest, Sha256MatchesKnownDigests) {
  EXPECT_EQ(crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::sha256("abc").size(), 32U);
  EXPECT_EQ(crypto::to_hex(crypto::sha256("abc")), crypto::sha256_hex("abc"));
}

TEST(CryptoTest, HmacMatchesRfcVectors) {
  // RFC 4231 test case 2 and RFC 2202 test case 2.
  EXPECT_EQ(crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(crypto::to_hex(crypto::hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_NE(crypto::hmac_sha256("Jefe", "a"), crypto::hmac_sha256("jefe", "a"));
}

TEST(CryptoTest, ConstantTimeEqualComparesLengthAndContent) {
  EXPECT_TRUE(crypto::constant_time_equal("", ""));
  EXPECT_TRUE(crypto::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "ab"));
  EXPECT_FALSE(crypto::constant_time_equal("ab", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("", "a"));
  const std::string_view nul_b("a\0b", 3);
  const std::string_view nul_c("a\0c", 3);
  EXPECT_FALSE(crypto::constant_time_equal(nul_b, nul_c));
  EXPECT_TRUE(crypto::constant_time_equal(nul_b, std::string_view("a\0b", 3)));
}

TEST(CryptoTest, RandomUuidIsVersion4) {
  const auto a = crypto::random_uuid();
  ASSERT_EQ(a.size(), 36U);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(a[i], '-') << a;
    } else {
      EXPECT_NE(std::string_view("0123456789abcdef").find(a[i]), std::string_view::npos) << a;
    }
  }
  EXPECT_EQ(a[14], '4') << a;
  EXPECT_NE(std::string_view("89ab").find(a[19]), std::string_view::npos) << a;
  EXPECT_NE(crypto::random_uuid(), a);
}

TEST(CryptoTest, RandomTokensAreUnpaddedBase64Url) {
  const auto a = crypto::random_token();
  EXPECT_EQ(a.size(), 43U);
  EXPECT_EQ(a.find_first_not_of(gh::test::base64url_chars), std::string::npos) << a;
  const auto decoded = crypto::base64url_decode(a);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->size(), 32U);
  EXPECT_NE(crypto::random_token(), a);
  EXPECT_EQ(crypto::random_token(16).size(), 22U);
  EXPECT_TRUE(crypto::random_bytes(0).empty());
  EXPECT_NE(crypto::random_bytes(16), crypto::random_bytes(16));
}

TEST(CryptoTest, Base32MatchesRfc4648WithoutPadding) {
  EXPECT_EQ(crypto::base32_encode(""), "");
  EXPECT_EQ(crypto::base32_encode("f"), "MY");
  EXPECT_EQ(crypto::base32_encode("fo"), "MZXQ");
  EXPECT_EQ(crypto::base32_encode("foo"), "MZXW6");
  EXPECT_EQ(crypto::base32_encode("foob"), "MZXW6YQ");
  EXPECT_EQ(crypto::base32_encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(crypto::base32_encode("foobar"), "MZXW6YTBOI");
}

TEST(CryptoTest, ToHexIsLowercase) {
  EXPECT_EQ(crypto::to_hex(""), "");
  EXPECT_EQ(crypto::to_hex(std::string_view("\x00\xff\x10\xab", 4)), "00ff10ab");
}
