#include "gateway/storage_stream.hpp"

#include <boost/asio/buffer.hpp>
#include <gtest/gtest.h>

#include <cstring>

using namespace gh;

namespace {

storage_claim claim(std::string_view bytes) {
  boost::beast::flat_buffer b;
  auto space = b.prepare(bytes.size());
  if (!bytes.empty())
    std::memcpy(space.data(), bytes.data(), bytes.size());
  b.commit(bytes.size());
  return claims_storage(b);
}

} // namespace

TEST(StorageStreamTest, ClaimsOnlyStorageRequests) {
  EXPECT_EQ(claim("PUT /storage/abc HTTP/1.1\r\n"), storage_claim::yes);
  EXPECT_EQ(claim("GET /storage/abc HTTP/1.1\r\n"), storage_claim::yes);
  EXPECT_EQ(claim("HEAD /storage/abc HTTP/1.1\r\n"), storage_claim::yes);
  EXPECT_EQ(claim("GET /storage"), storage_claim::undecided);
  EXPECT_EQ(claim("G"), storage_claim::undecided);
  EXPECT_EQ(claim(""), storage_claim::undecided);
  EXPECT_EQ(claim("POST /storage/abc HTTP/1.1\r\n"), storage_claim::no);
  EXPECT_EQ(claim("GET /storagex/abc HTTP/1.1\r\n"), storage_claim::no);
  EXPECT_EQ(claim("GET /api/v1/files HTTP/1.1\r\n"), storage_claim::no);
  EXPECT_EQ(claim("GET /healthz HTTP/1.1\r\n"), storage_claim::no);
}

TEST(StorageStreamTest, ParsesSingleByteRanges) {
  using kind = range_request::kind;
  auto r = parse_range("bytes=0-99", 1000);
  EXPECT_EQ(r.result, kind::part);
  EXPECT_EQ(r.range.first, 0);
  EXPECT_EQ(r.range.last, 99);
  r = parse_range("bytes=900-", 1000);
  EXPECT_EQ(r.range.first, 900);
  EXPECT_EQ(r.range.last, 999);
  r = parse_range("bytes=-10", 1000);
  EXPECT_EQ(r.range.first, 990);
  EXPECT_EQ(r.range.last, 999);
  r = parse_range("bytes=-5000", 1000);
  EXPECT_EQ(r.range.first, 0);
  r = parse_range("bytes=500-5000", 1000);
  EXPECT_EQ(r.range.last, 999);
  EXPECT_EQ(parse_range("bytes=1000-", 1000).result, kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).result, kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-0", 0).result, kind::unsatisfiable);
  for (const auto* whole : {"", "items=0-1", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=0-1,3-4",
                            "bytes=--1", "bytes=99999999999999999999-"})
    EXPECT_EQ(parse_range(whole, 1000).result, kind::whole) << whole;
}
