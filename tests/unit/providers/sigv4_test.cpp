#include "providers/storage/s3.hpp"
#include "providers/storage/sigv4.hpp"

#include <gtest/gtest.h>

using namespace gh::storage;

namespace {

const sigv4::credentials s3_docs{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                 "us-east-1", "s3"};

} // namespace

// The example of AWS's "Authenticating Requests: Using Query Parameters" page.
TEST(SigV4Test, S3DocumentationPresignedGet) {
  sigv4::request r{"GET", "/test.txt", {}, {{"Host", "examplebucket.s3.amazonaws.com"}}};
  const auto query = sigv4::presign_query(r, s3_docs, "20130524T000000Z", 86400);
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature="
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// The `get-vanilla` case of AWS's SigV4 test suite.
TEST(SigV4Test, GetVanilla) {
  const sigv4::credentials c{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1",
                             "service"};
  sigv4::request r{"GET",
                   "/",
                   {},
                   {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"};
  EXPECT_EQ(sigv4::canonical_request(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sigv4::signature(r, c, "20150830T123600Z"),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(sigv4::authorization(r, c, "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, AnyChangeChangesTheSignature) {
  sigv4::request r{
      "PUT",
      "/bucket/key",
      {},
      {{"host", "127.0.0.1:9000"}, {"content-type", "image/png"}, {"content-length", "10"}}};
  const auto base = sigv4::signature(r, s3_docs, "20260101T000000Z");
  auto other = r;
  other.headers[1].second = "image/gif";
  EXPECT_NE(sigv4::signature(other, s3_docs, "20260101T000000Z"), base);
  other = r;
  other.headers[2].second = "11";
  EXPECT_NE(sigv4::signature(other, s3_docs, "20260101T000000Z"), base);
  auto eu = s3_docs;
  eu.region = "eu-west-1";
  EXPECT_NE(sigv4::signature(r, eu, "20260101T000000Z"), base);
  EXPECT_NE(sigv4::signature(r, s3_docs, "20260101T000001Z"), base);
}

TEST(SigV4Test, EncodesAsAwsDoes) {
  EXPECT_EQ(sigv4::uri_encode("a b/c~d_e.f-g+h=&"), "a%20b%2Fc~d_e.f-g%2Bh%3D%26");
  EXPECT_EQ(sigv4::uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(sigv4::uri_encode("é"), "%C3%A9");
  EXPECT_EQ(sigv4::amz_date(1369353600), "20130524T000000Z");
  // Query parameters are sorted by encoded name, then value; header values trimmed.
  sigv4::request r{"GET", "/k", {{"b", "2"}, {"a", "x y"}}, {{"Host", "  h   1  "}}};
  EXPECT_EQ(sigv4::canonical_request(r),
            "GET\n/k\na=x%20y&b=2\nhost:h 1\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST(S3StoreTest, PresignsUploadsWithTypeAndLengthSigned) {
  s3_options o;
  o.endpoint = "http://127.0.0.1:9000";
  o.bucket = "files";
  o.path_style = true;
  o.keys = s3_docs;
  s3_store store{o};
  const std::string key = "00000000-0000-0000-0000-000000000001/11111111-1111-4111-8111-"
                          "111111111111/22222222-2222-4222-8222-222222222222";
  const auto up = store.upload_url({key, "image/png", 1234, "a.png"}, 1369353600, 900);
  EXPECT_TRUE(up.url.starts_with("http://127.0.0.1:9000/files/" + key + "?")) << up.url;
  EXPECT_NE(up.url.find("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"),
            std::string::npos);
  EXPECT_NE(up.url.find("X-Amz-Expires=900"), std::string::npos);
  EXPECT_EQ(up.method, "PUT");
  ASSERT_EQ(up.headers.size(), 1U);
  EXPECT_EQ(up.headers[0].second, "image/png");

  const auto down = store.download_url({key, "image/png", 1234, "a b.png"}, 1369353600, 60);
  EXPECT_NE(down.find("response-content-disposition=attachment"), std::string::npos);

  o.path_style = false;
  o.endpoint = "https://s3.eu-west-1.amazonaws.com";
  s3_store virtual_host{o};
  EXPECT_EQ(virtual_host.locate(key).first, "files.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(virtual_host.locate(key).second, "/" + key);
}
