#include "oidc_test_keys.hpp"
#include "providers/oidc/discovery.hpp"
#include "providers/oidc/jwks.hpp"
#include "providers/oidc/token_verifier.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh::oidc {
namespace {

using testing::jwks_of;
using testing::sign_token;
using testing::test_key;

constexpr std::string_view issuer = "https://id.example.com/realms/main";

boost::json::object discovery_doc() {
  return {{"issuer", issuer},
          {"authorization_endpoint", "https://id.example.com/auth"},
          {"token_endpoint", "https://id.example.com/token"},
          {"jwks_uri", "https://id.example.com/certs"},
          {"userinfo_endpoint", "https://id.example.com/userinfo"},
          {"id_token_signing_alg_values_supported", boost::json::array{"RS256", "ES256"}},
          {"code_challenge_methods_supported", boost::json::array{"S256"}},
          {"token_endpoint_auth_methods_supported", boost::json::array{"client_secret_basic"}}};
}

std::string discovery_error_of(const boost::json::object& doc, std::string_view expected = issuer) {
  auto result = decode_discovery(boost::json::serialize(doc), expected);
  auto* e = std::get_if<discovery_error>(&result);
  return e != nullptr ? e->reason : std::string{"accepted"};
}

TEST(OidcDiscovery, DecodesEveryMember) {
  auto result = decode_discovery(boost::json::serialize(discovery_doc()), issuer);
  ASSERT_TRUE(std::holds_alternative<provider_metadata>(result));
  const auto& meta = std::get<provider_metadata>(result);
  EXPECT_EQ(meta.issuer, issuer);
  EXPECT_EQ(meta.authorization_endpoint, "https://id.example.com/auth");
  EXPECT_EQ(meta.token_endpoint, "https://id.example.com/token");
  EXPECT_EQ(meta.jwks_uri, "https://id.example.com/certs");
  EXPECT_EQ(meta.userinfo_endpoint, "https://id.example.com/userinfo");
  EXPECT_EQ(meta.id_token_signing_alg_values_supported,
            (std::vector<std::string>{"RS256", "ES256"}));
  EXPECT_EQ(meta.code_challenge_methods_supported, std::vector<std::string>{"S256"});
  EXPECT_EQ(meta.token_endpoint_auth_methods_supported,
            std::vector<std::string>{"client_secret_basic"});
}

TEST(OidcDiscovery, OptionalMembersMayBeAbsent) {
  auto doc = discovery_doc();
  doc.erase("userinfo_endpoint");
  doc.erase("code_challenge_methods_supported");
  auto result = decode_discovery(boost::json::serialize(doc), issuer);
  ASSERT_TRUE(std::holds_alternative<provider_metadata>(result));
  EXPECT_FALSE(std::get<provider_metadata>(result).userinfo_endpoint);
  EXPECT_TRUE(std::get<provider_metadata>(result).code_challenge_methods_supported.empty());
}

TEST(OidcDiscovery, IssuerMustMatchExactly) {
  EXPECT_EQ(discovery_error_of(discovery_doc(), "https://id.example.com/realms/other"),
            "discovery issuer does not match the configured issuer");
  // A trailing slash is another issuer (OIDC Discovery 4.3).
  EXPECT_NE(discovery_error_of(discovery_doc(), std::string{issuer} + "/"), "accepted");
  auto doc = discovery_doc();
  doc.erase("issuer");
  EXPECT_EQ(discovery_error_of(doc), "discovery document lacks issuer");
}

TEST(OidcDiscovery, EndpointsMustBeHttpsOrLoopbackHttp) {
  for (const char* field :
       {"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"}) {
    for (const char* url : {"http://id.example.com/x", "/relative", "ftp://id.example.com/x",
                            "https://user:pw@id.example.com/x", "https://id.example.com/x#f",
                            "http://127.example.com/x", "javascript:alert(1)"}) {
      auto doc = discovery_doc();
      doc[field] = url;
      EXPECT_EQ(discovery_error_of(doc), "discovery endpoint is not an https URL")
          << field << " " << url;
    }
  }
  EXPECT_TRUE(is_allowed_endpoint("http://127.0.0.1:8080/certs"));
  EXPECT_TRUE(is_allowed_endpoint("http://[::1]:8080/certs"));
  EXPECT_TRUE(is_allowed_endpoint("http://localhost/certs"));
  EXPECT_TRUE(is_allowed_endpoint("https://id.example.com/auth?tenant=1"));
  EXPECT_FALSE(is_allowed_endpoint("http://10.0.0.1/certs"));
  EXPECT_FALSE(is_allowed_endpoint("https:///path"));
}

TEST(OidcDiscovery, RequiredMembersAndTypes) {
  for (const char* field : {"authorization_endpoint", "token_endpoint", "jwks_uri"}) {
    auto doc = discovery_doc();
    doc.erase(field);
    EXPECT_EQ(discovery_error_of(doc), "discovery document lacks a required endpoint") << field;
    doc[field] = 42;
    EXPECT_EQ(discovery_error_of(doc), "discovery document has a member of the wrong type");
  }
  auto doc = discovery_doc();
  doc["id_token_signing_alg_values_supported"] = "RS256";
  EXPECT_EQ(discovery_error_of(doc), "discovery document has a list of the wrong type");
  doc["id_token_signing_alg_values_supported"] = boost::json::array{"RS256", 1};
  EXPECT_EQ(discovery_error_of(doc), "discovery document has a list of the wrong type");
}

TEST(OidcDiscovery, RefusesMalformedAndOversizeDocuments) {
  for (std::string_view body : {"", "{", "[]", "\"issuer\"", "null", "{\"issuer\":\"\xff\"}"}) {
    auto result = decode_discovery(body, issuer);
    EXPECT_TRUE(std::holds_alternative<discovery_error>(result)) << body;
  }
  auto doc = discovery_doc();
  doc["padding"] = std::string(max_document_bytes, 'x');
  EXPECT_EQ(discovery_error_of(doc), "discovery document too large");
}

TEST(OidcDiscovery, UrlFromIssuer) {
  EXPECT_EQ(discovery_url("https://a.example/realms/x"),
            "https://a.example/realms/x/.well-known/openid-configuration");
  EXPECT_EQ(discovery_url("https://a.example/"),
            "https://a.example/.well-known/openid-configuration");
}

// JWK Sets

jwk_set decoded_set(const std::string& body) {
  auto result = decode_jwks(body);
  if (auto* e = std::get_if<jwks_error>(&result))
    ADD_FAILURE() << e->reason;
  auto* set = std::get_if<jwk_set>(&result);
  return set != nullptr ? std::move(*set) : jwk_set{};
}

class OidcKeysTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    rsa_ = new test_key(test_key::rsa());
    p256_ = new test_key(test_key::p256());
    ed_ = new test_key(test_key::ed25519());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete p256_;
    delete ed_;
  }
  static test_key* rsa_;
  static test_key* p256_;
  static test_key* ed_;
};
test_key* OidcKeysTest::rsa_ = nullptr;
test_key* OidcKeysTest::p256_ = nullptr;
test_key* OidcKeysTest::ed_ = nullptr;

TEST_F(OidcKeysTest, DecodesEveryKind) {
  auto set = decoded_set(jwks_of({rsa_->jwk("r1", "RS256"), p256_->jwk("e1"), ed_->jwk("d1")}));
  ASSERT_EQ(set.keys.size(), 3U);
  EXPECT_EQ(set.skipped, 0U);
  EXPECT_EQ(set.keys[0].kind, key_kind::rsa);
  EXPECT_EQ(set.keys[0].kid, "r1");
  EXPECT_EQ(set.keys[0].alg, "RS256");
  EXPECT_EQ(set.keys[1].kind, key_kind::ec_p256);
  EXPECT_EQ(set.keys[1].alg, "");
  EXPECT_EQ(set.keys[2].kind, key_kind::ed25519);
  for (const auto& k : set.keys)
    EXPECT_NE(k.pkey, nullptr);
}

TEST_F(OidcKeysTest, SkipsKeysItCannotUse) {
  std::vector<boost::json::object> bad;
  auto enc = rsa_->jwk("enc");
  enc["use"] = "enc";
  bad.push_back(enc);
  auto ops = rsa_->jwk("ops");
  ops["key_ops"] = boost::json::array{"encrypt"};
  bad.push_back(ops);
  bad.push_back({{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}});
  auto p384 = p256_->jwk("p384");
  p384["crv"] = "P-384";
  bad.push_back(p384);
  auto x448 = ed_->jwk("x448");
  x448["crv"] = "X25519";
  bad.push_back(x448);
  auto small = test_key::rsa(1024).jwk("small");
  bad.push_back(small);
  auto even = rsa_->jwk("even");
  even["e"] = crypto::base64url_encode(std::string{"\x01\x00\x00", 3});
  bad.push_back(even);
  auto padded = rsa_->jwk("padded");
  padded["n"] = std::string{padded["n"].as_string()} + "=";
  bad.push_back(padded);
  auto short_x = p256_->jwk("short");
  short_x["x"] = crypto::base64url_encode(std::string(31, '\x01'));
  bad.push_back(short_x);
  auto off_curve = p256_->jwk("off");
  auto y = p256_->bn(OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  y[31] = static_cast<char>(y[31] ^ 1);
  off_curve["y"] = crypto::base64url_encode(y);
  bad.push_back(off_curve);
  auto long_ed = ed_->jwk("long");
  long_ed["x"] = crypto::base64url_encode(std::string(33, '\x02'));
  bad.push_back(long_ed);
  auto kid_type = ed_->jwk("");
  kid_type["kid"] = 7;
  bad.push_back(kid_type);
  auto no_n = rsa_->jwk("no-n");
  no_n.erase("n");
  bad.push_back(no_n);
  auto not_b64 = ed_->jwk("not-b64");
  not_b64["x"] = "!!!";
  bad.push_back(not_b64);

  boost::json::array keys;
  for (const auto& k : bad)
    keys.push_back(k);
  keys.push_back("not an object");
  keys.push_back(ed_->jwk("good"));
  auto set = decoded_set(boost::json::serialize(boost::json::object{{"keys", keys}}));
  ASSERT_EQ(set.keys.size(), 1U);
  EXPECT_EQ(set.keys[0].kid, "good");
  EXPECT_EQ(set.skipped, bad.size() + 1);
}

TEST_F(OidcKeysTest, RefusesMalformedSets) {
  for (std::string_view body :
       {"", "{}", "[]", "{\"keys\":{}}", "{\"keys\":\"x\"}", "{\"keys\":[", "null"}) {
    auto result = decode_jwks(body);
    EXPECT_TRUE(std::holds_alternative<jwks_error>(result)) << body;
  }
  boost::json::array many;
  for (std::size_t i = 0; i <= max_jwks_keys; ++i)
    many.push_back(boost::json::object{{"kty", "oct"}});
  auto result = decode_jwks(boost::json::serialize(boost::json::object{{"keys", many}}));
  ASSERT_TRUE(std::holds_alternative<jwks_error>(result));
  EXPECT_EQ(std::get<jwks_error>(result).reason, "JWK Set has too many keys");
  auto huge = decode_jwks("{\"keys\":[],\"x\":\"" + std::string(max_document_bytes, 'a') + "\"}");
  EXPECT_TRUE(std::holds_alternative<jwks_error>(huge));
  // An empty set is a set: every token will be refused with an unknown key.
  EXPECT_TRUE(decoded_set("{\"keys\":[]}").keys.empty());
}

} // namespace
} // namespace gh::oidc
