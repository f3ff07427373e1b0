// The front actor against what a security review and misbehaving clients sent it: request
// smuggling through Transfer-Encoding, obsolete line folding, missing or repeated Host, a body
// written whole before the answer is read, `Expect: 100-continue`, HEAD, bad WebSocket
// handshakes, frames riding along with the handshake, invalid UTF-8 in paths, too many sockets
// and pings. A real Gatehouse process over real sockets.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/text.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <thread>

using namespace gh::test;
using namespace std::chrono_literals;

namespace {

class GatewayHardeningTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new gatehouse_process({{"GATEHOUSE_BODY_LIMIT", "65536"},
                                    {"GATEHOUSE_WS_RATE", "20"},
                                    {"GATEHOUSE_WS_PER_USER", "4"},
                                    {"GATEHOUSE_REGISTER_RATE", "1000"}});
    token = signed_up_token(server->port());
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  static uint16_t port() { return server->port(); }

  static inline gatehouse_process* server = nullptr;
  static inline std::string token;
};

/// A request smuggled behind `transfer_encoding`: if its body were not read as chunked, the
/// body would be taken for a second request (`GET /healthz`).
std::string smuggling_attempt(const std::string& transfer_encoding) {
  const std::string inner = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  return "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         transfer_encoding + "\r\n\r\n" + inner;
}

TEST_F(GatewayHardeningTest, TransferEncodingOtherThanExactlyChunkedIs400AndCloses) {
  for (const std::string te :
       {"Transfer-Encoding: chunked, identity", "Transfer-Encoding: identity",
        "Transfer-Encoding: foo", "Transfer-Encoding: \"chunked\"",
        "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: 4"}) {
    const auto out = raw_exchange(port(), smuggling_attempt(te), 3s);
    EXPECT_EQ(gh::test::count_of(out, "HTTP/1.1 "), 1) << te << "\n" << out;
    EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << te << "\n" << out;
    EXPECT_NE(out.find("Connection: close"), std::string::npos) << te;
  }
}

TEST_F(GatewayHardeningTest, ChunkedBodiesStillWork) {
  const std::string body = R"({"email":"nobody@example.com","password":"not the password"})";
  std::ostringstream size;
  size << std::hex << body.size();
  const auto out = raw_exchange(port(),
                                "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                "application/json\r\nTransfer-Encoding: chunked\r\nConnection: "
                                "close\r\n\r\n" +
                                    size.str() + "\r\n" + body + "\r\n0\r\n\r\n",
                                3s);
  EXPECT_NE(out.find("HTTP/1.1 401"), std::string::npos) << out;
}

TEST_F(GatewayHardeningTest, ObsoleteLineFoldingIs400) {
  const auto out =
      raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 3s);
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  EXPECT_NE(out.find("line folding"), std::string::npos) << out;
}

TEST_F(GatewayHardeningTest, MissingOrRepeatedHostIs400) {
  auto out = raw_exchange(port(), "GET /healthz HTTP/1.1\r\n\r\n", 3s);
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  out = raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 3s);
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  out = raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 3s);
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  // HTTP/1.0 may leave it out.
  out = raw_exchange(port(), "GET /healthz HTTP/1.0\r\n\r\n", 3s);
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out;
}

/// Writes `body_size` bytes of body whole, as many SDKs do, and only then reads the answer.
std::string write_whole_then_read(uint16_t port, std::size_t body_size) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket s{io};
  s.connect({net::ip::make_address("127.0.0.1"), port});
  const std::string head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           "application/json\r\nContent-Length: " +
                           std::to_string(body_size) + "\r\n\r\n";
  std::string request = head + std::string(body_size, 'x');
  boost::system::error_code ec;
  net::write(s, net::buffer(request), ec);
  if (ec)
    return "write failed: " + ec.message();
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const auto n = s.read_some(net::buffer(buf), ec);
    out.append(buf.data(), n);
    if (ec)
      break;
  }
  if (ec != net::error::eof && out.empty())
    return "read failed: " + ec.message();
  return out;
}

TEST_F(GatewayHardeningTest, ABodyWrittenWholeStillGetsIts413) {
  for (const std::size_t size : {std::size_t{2} << 20, std::size_t{5} << 20}) {
    for (int i = 0; i < 5; ++i) {
      const auto out = write_whole_then_read(port(), size);
      EXPECT_NE(out.find("HTTP/1.1 413"), std::string::npos) << size << ": " << out;
    }
  }
}

TEST_F(GatewayHardeningTest, ExpectContinueGetsAnInterimAnswerAtOnce) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket s{io};
  s.connect({net::ip::make_address("127.0.0.1"), port()});
  const std::string body = R"({"email":"nobody@example.com","password":"not the password"})";
  net::write(s, net::buffer("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                            "application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n"));
  std::array<char, 64> buf{};
  const auto started = std::chrono::steady_clock::now();
  const auto n = s.read_some(net::buffer(buf));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  EXPECT_EQ(std::string(buf.data(), n), "HTTP/1.1 100 Continue\r\n\r\n");
  net::write(s, net::buffer(body));
  std::string rest;
  boost::system::error_code ec;
  while (rest.find("\r\n\r\n") == std::string::npos && !ec) {
    const auto m = s.read_some(net::buffer(buf), ec);
    rest.append(buf.data(), m);
  }
  EXPECT_EQ(rest.rfind("HTTP/1.1 401", 0), 0U) << rest;
}

TEST_F(GatewayHardeningTest, HeadIsAnsweredWhereGetIs) {
  const auto out = raw_exchange(port(),
                                "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                3s);
  // Two answers on one connection: the HEAD one has the GET's length and no body.
  ASSERT_EQ(out.rfind("HTTP/1.1 200", 0), 0U) << out;
  const auto second = out.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << out;
  const auto first_end = out.find("\r\n\r\n");
  EXPECT_EQ(first_end + 4, second) << out;
  EXPECT_NE(out.substr(0, first_end).find("Content-Length: 15"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"status":"ok"})", second), std::string::npos) << out;
  const auto allowed = http_call(port(), "DELETE", "/healthz");
  EXPECT_EQ(allowed.status, 405);
  EXPECT_EQ(allowed.headers.at("allow"), "GET, HEAD");
}

std::string handshake(const std::string& extra_headers) {
  return "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
         extra_headers + "\r\n";
}

TEST_F(GatewayHardeningTest, BadWebSocketHandshakesGetProblems) {
  const auto auth = "Sec-WebSocket-Protocol: bearer, " + token + "\r\n";
  auto out = raw_exchange(port(),
                          handshake(auth + "Sec-WebSocket-Version: 12\r\nSec-WebSocket-Key: "
                                           "dGhlIHNhbXBsZSBub25jZQ==\r\n"),
                          3s);
  EXPECT_NE(out.find("HTTP/1.1 426"), std::string::npos) << out;
  EXPECT_NE(out.find("Sec-WebSocket-Version: 13"), std::string::npos) << out;
  EXPECT_NE(out.find("application/problem+json"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Content-Type-Options: nosniff"), std::string::npos) << out;
  out = raw_exchange(
      port(), handshake(auth + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n"), 3s);
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  EXPECT_NE(out.find("application/problem+json"), std::string::npos) << out;
  EXPECT_EQ(out.find("Boost.Beast"), std::string::npos) << out;
}

/// A masked text frame as a client sends it.
std::string client_text_frame(const std::string& text) {
  std::string f;
  f += static_cast<char>(0x81);
  f += static_cast<char>(0x80 | text.size()); // shorter than 126 in these tests
  const std::array<char, 4> mask{0x11, 0x22, 0x33, 0x44};
  f.append(mask.data(), 4);
  for (std::size_t i = 0; i < text.size(); ++i)
    f += static_cast<char>(text[i] ^ mask[i % 4]);
  return f;
}

TEST_F(GatewayHardeningTest, AFrameSentWithTheHandshakeIsAnsweredAndThe101NamesNoLibrary) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket s{io};
  s.connect({net::ip::make_address("127.0.0.1"), port()});
  // The handshake and the first frame in one write, as a fast client sends them.
  net::write(s, net::buffer(handshake("Sec-WebSocket-Protocol: bearer, " + token +
                                      "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                                      "dGhlIHNhbXBsZSBub25jZQ==\r\n") +
                            client_text_frame(R"({"id":7,"x":1})")));
  std::string out;
  std::array<char, 4096> buf{};
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (out.find(R"("id":7)") == std::string::npos && std::chrono::steady_clock::now() < until) {
    if (s.available() == 0) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    out.append(buf.data(), s.read_some(net::buffer(buf)));
  }
  ASSERT_EQ(out.rfind("HTTP/1.1 101", 0), 0U) << out;
  const auto head = out.substr(0, out.find("\r\n\r\n"));
  EXPECT_EQ(head.find("Beast"), std::string::npos) << head;
  EXPECT_NE(out.find(R"("id":7)", head.size()), std::string::npos) << out;
}

TEST_F(GatewayHardeningTest, InvalidUtf8InThePathStaysValidJson) {
  const auto out = raw_exchange(
      port(), "GET /caf\xc3\x28\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
  ASSERT_NE(out.find("HTTP/1.1 404"), std::string::npos) << out;
  const auto body = out.substr(out.find("\r\n\r\n") + 4);
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec); // Boost.JSON refuses invalid UTF-8
  ASSERT_FALSE(ec) << body;
  EXPECT_NE(std::string{v.at("detail").as_string()}.find("%C3(%FF"), std::string::npos) << body;
  // The access log line for it is valid JSON as well.
  std::this_thread::sleep_for(400ms); // the log is flushed every 200 ms
  const auto log = server->process().stderr_text();
  const auto at = log.find("%C3(%FF");
  ASSERT_NE(at, std::string::npos) << log.substr(log.size() > 2000 ? log.size() - 2000 : 0);
  const auto line_start = log.rfind('\n', at) + 1;
  const auto line = log.substr(line_start, log.find('\n', at) - line_start);
  boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << line;
}

TEST_F(GatewayHardeningTest, WebSocketsPerUserAreCapped) {
  const auto own = signed_up_token(port());
  std::vector<std::unique_ptr<ws_client>> open;
  for (int i = 0; i < 4; ++i)
    open.push_back(std::make_unique<ws_client>(port(), ws_bearer(own)));
  EXPECT_THROW(ws_client(port(), ws_bearer(own)), std::exception);
  // Another user is not affected.
  EXPECT_NO_THROW(ws_client(port(), ws_bearer(signed_up_token(port()))));
  open.pop_back();
  // A closed socket makes room again.
  EXPECT_TRUE(eventually(3s, [&] {
    try {
      ws_client again{port(), ws_bearer(own)};
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }));
}

TEST_F(GatewayHardeningTest, PingsCountAgainstTheFrameRate) {
  ws_client ws{port(), ws_bearer(signed_up_token(port()))};
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i)
    closed = !ws.ping_pong();
  EXPECT_TRUE(closed);
  EXPECT_FALSE(ws.read(2s).has_value());
  EXPECT_EQ(ws.close_code(), 1008);
}

} // namespace
