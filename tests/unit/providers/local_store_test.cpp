#include "crypto/crypto.hpp"
#include "providers/storage/local.hpp"
#include "providers/storage/token.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace gh::storage;

namespace {

const std::string key = "00000000-0000-0000-0000-000000000001/11111111-1111-4111-8111-"
                        "111111111111/22222222-2222-4222-8222-222222222222";

token_claims sample() {
  return {"PUT", key, 42, "text/plain", {}, 2000};
}

} // namespace

TEST(StorageTokenTest, RoundTrips) {
  const auto t = encode_token(sample(), "k1");
  auto decoded = decode_token(t, "k1", 1000);
  ASSERT_TRUE(std::holds_alternative<token_claims>(decoded));
  const auto& c = std::get<token_claims>(decoded);
  EXPECT_EQ(c.method, "PUT");
  EXPECT_EQ(c.key, key);
  EXPECT_EQ(c.size, 42);
  EXPECT_EQ(c.content_type, "text/plain");
  EXPECT_EQ(c.expires_at, 2000);
  // Valid up to and including its expiry second.
  EXPECT_TRUE(std::holds_alternative<token_claims>(decode_token(t, "k1", 2000)));
}

TEST(StorageTokenTest, RefusesTamperingOtherKeysAndExpiry) {
  const auto t = encode_token(sample(), "k1");
  EXPECT_EQ(std::get<token_error>(decode_token(t, "k2", 1000)), token_error::bad_signature);
  EXPECT_EQ(std::get<token_error>(decode_token(t, "k1", 2001)), token_error::expired);
  // Every one-character change of the token is refused.
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto changed = t;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_TRUE(std::holds_alternative<token_error>(decode_token(changed, "k1", 1000))) << i;
  }
  // A size, type or method changed in the claims and re-encoded without the key.
  for (auto c : {token_claims{"PUT", key, 43, "text/plain", {}, 2000},
                 token_claims{"PUT", key, 42, "text/html", {}, 2000},
                 token_claims{"GET", key, 42, "text/plain", {}, 2000},
                 token_claims{"PUT", key, 42, "text/plain", {}, 3000}}) {
    const auto forged = encode_token(c, "k1");
    const auto mixed = forged.substr(0, forged.find('.')) + t.substr(t.find('.'));
    EXPECT_EQ(std::get<token_error>(decode_token(mixed, "k1", 1000)), token_error::bad_signature);
  }
}

TEST(StorageTokenTest, RefusesMalformedInput) {
  for (const auto& bad : std::vector<std::string>{"", ".", "abc", "abc.def", std::string(3000, 'a'),
                                                  "a.b.c", "!!!.???"})
    EXPECT_EQ(std::get<token_error>(decode_token(bad, "k1", 0)), token_error::malformed) << bad;
  // Signed with the right key but not our format.
  const std::string payload = "gh1\nPUT\n../../etc/passwd\n1\ntext/plain\n\n99";
  const auto t = gh::crypto::base64url_encode(payload) + "." +
                 gh::crypto::base64url_encode(gh::crypto::hmac_sha256("k1", payload));
  EXPECT_EQ(std::get<token_error>(decode_token(t, "k1", 0)), token_error::malformed);
  EXPECT_THROW(encode_token({"PUT", key, 1, "text/plain", "a\nb", 1}, "k1"), std::invalid_argument);
}

TEST(StorageKeyTest, OnlyOurKeys) {
  EXPECT_TRUE(is_object_key(key));
  EXPECT_FALSE(is_object_key("../" + key.substr(3)));
  EXPECT_FALSE(is_object_key(key + "/x"));
  std::string upper = key;
  upper.back() = 'A';
  EXPECT_FALSE(is_object_key(upper));
}

TEST(StorageKeyTest, ContentDispositionIsSafe) {
  EXPECT_EQ(content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
  EXPECT_EQ(content_disposition("a\"b\\c%d é.txt"),
            "attachment; filename=\"a_b_c_d _.txt\"; filename*=UTF-8''a%22b%5Cc%25d%20%C3%A9.txt");
  EXPECT_EQ(content_disposition(""), "attachment; filename=\"download\"; filename*=UTF-8''");
}

TEST(LocalStoreTest, StatDigestAndRemove) {
  const auto root =
      std::filesystem::temp_directory_path() / ("gh-local-store-" + gh::crypto::random_token(6));
  local_store store{root, "token-key", "http://127.0.0.1:1"};
  EXPECT_EQ(store.stat(key).result, outcome::missing);
  EXPECT_EQ(store.sha256(key).result, outcome::missing);

  const auto up = store.upload_url({key, "text/plain", 3, "a.txt"}, 1000, 60);
  EXPECT_TRUE(up.url.starts_with("http://127.0.0.1:1/storage/"));
  auto claims = store.check(up.url.substr(up.url.rfind('/') + 1), 1000);
  ASSERT_TRUE(std::holds_alternative<token_claims>(claims));
  EXPECT_EQ(std::get<token_claims>(claims).expires_at, 1060);

  std::filesystem::create_directories(store.object_path(key).parent_path());
  std::ofstream{store.object_path(key)} << "abc";
  const auto leftover = store.temp_path(key);
  std::ofstream{leftover} << "partial";
  EXPECT_EQ(store.stat(key).size, 3);
  const auto digest = store.sha256(key);
  EXPECT_EQ(digest.result, outcome::ok);
  EXPECT_EQ(digest.sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(store.remove(key), outcome::ok);
  EXPECT_FALSE(std::filesystem::exists(store.object_path(key)));
  EXPECT_FALSE(std::filesystem::exists(leftover));
  EXPECT_EQ(store.remove(key), outcome::ok);
  std::filesystem::remove_all(root);
}
