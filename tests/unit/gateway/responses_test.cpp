// The response writer: Gatehouse serializes its responses itself, into one buffer per answer.
// Beast's own serializer is the reference it must agree with, byte for byte.

#include "gateway/responses.hpp"

#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <sstream>

using namespace gh;

namespace {

std::string beast_bytes(const beast_response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

} // namespace

TEST(ResponsesTest, SerializeMatchesBeastForAHandlerResponse) {
  beast_response res;
  build_response(res,
                 {201,
                  "application/json",
                  R"({"id":"42"})",
                  {{"Set-Cookie", "a=1; Secure"}, {"Set-Cookie", "b=2; Secure"}, {"X-Name", "v"}}},
                 "req-1", true, true);
  std::string wire;
  serialize(res, wire);
  EXPECT_EQ(wire, beast_bytes(res));
  EXPECT_EQ(wire.rfind("HTTP/1.1 201 Created\r\n", 0), 0U) << wire;
  EXPECT_NE(wire.find("Set-Cookie: a=1; Secure\r\nSet-Cookie: b=2; Secure\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Content-Length: 11\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 15), "\r\n\r\n{\"id\":\"42\"}");
}

TEST(ResponsesTest, SerializeMatchesBeastForAProblemThatCloses) {
  beast_response res;
  build_problem(res, make_problem(gh_errc::not_found, "no route for /x", "req-2"), false, false);
  std::string wire = "left over from the previous answer";
  serialize(res, wire);
  EXPECT_EQ(wire, beast_bytes(res));
  EXPECT_EQ(wire.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0U) << wire;
  EXPECT_NE(wire.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(wire.find("left over"), std::string::npos);
}

TEST(ResponsesTest, SerializeWritesAnEmptyBody) {
  beast_response res;
  build_response(res, {204, "application/json", "", {}}, "req-3", false, true);
  std::string wire;
  serialize(res, wire);
  EXPECT_EQ(wire, beast_bytes(res));
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}
