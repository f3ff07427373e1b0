// The response writer: Gatehouse serializes each response's head itself and sends the body after
// it in the same write. Beast's own serializer is the reference it must agree with, byte for byte.

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

/// What goes on the wire: the head, then the body as it is.
std::string wire_bytes(const beast_response& res, std::string& head) {
  serialize_head(res, head);
  return head + res.body();
}

} // namespace

TEST(ResponsesTest, HeadAndBodyMatchBeastForAHandlerResponse) {
  beast_response res;
  build_response(res,
                 {201,
                  "application/json",
                  R"({"id":"42"})",
                  {{"Set-Cookie", "a=1; Secure"}, {"Set-Cookie", "b=2; Secure"}, {"X-Name", "v"}}},
                 "req-1", true, true);
  std::string head;
  const auto wire = wire_bytes(res, head);
  EXPECT_EQ(wire, beast_bytes(res));
  EXPECT_EQ(wire.rfind("HTTP/1.1 201 Created\r\n", 0), 0U) << wire;
  EXPECT_NE(wire.find("Set-Cookie: a=1; Secure\r\nSet-Cookie: b=2; Secure\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Content-Length: 11\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 15), "\r\n\r\n{\"id\":\"42\"}");
}

TEST(ResponsesTest, HeadAndBodyMatchBeastForAProblemThatCloses) {
  beast_response res;
  build_problem(res, make_problem(gh_errc::not_found, "no route for /x", "req-2"), false, false);
  std::string head = "left over from the previous answer";
  const auto wire = wire_bytes(res, head);
  EXPECT_EQ(wire, beast_bytes(res));
  EXPECT_EQ(wire.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0U) << wire;
  EXPECT_NE(wire.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(wire.find("left over"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(ResponsesTest, HeadAloneIsTheWholeResponseWithAnEmptyBody) {
  beast_response res;
  build_response(res, {204, "application/json", "", {}}, "req-3", false, true);
  std::string head;
  const auto wire = wire_bytes(res, head);
  EXPECT_EQ(wire, beast_bytes(res));
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}
