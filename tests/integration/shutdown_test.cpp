// Graceful shutdown on SIGTERM/SIGINT: WebSockets get a 1001 close frame, idle keep-alive
// connections are closed, the process exits 0 well inside the grace period.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <csignal>

using namespace gh::test;
using namespace std::chrono_literals;

TEST(ShutdownTest, SigtermClosesWebSocketsWith1001AndExitsCleanly) {
  gatehouse_process server{
      {{"GATEHOUSE_SHUTDOWN_GRACE", "20s"}, {"GATEHOUSE_REGISTER_RATE", "1000"}}};
  ws_client ws{server.port(), ws_bearer(signed_up_token(server.port()))};
  ws.send_text(R"({"id":1,"cmd":"help"})");
  auto answer = ws.read();
  ASSERT_TRUE(answer);
  ASSERT_NE(answer->find(R"("id":1,"ok":true)"), std::string::npos) << *answer;

  // A keep-alive connection that sits idle must not hold the shutdown for the grace period.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket idle{ioc};
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  boost::asio::write(idle,
                     boost::asio::buffer(std::string{"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"}));

  const auto start = std::chrono::steady_clock::now();
  server.process().signal(SIGTERM);
  EXPECT_FALSE(ws.read(10s));
  EXPECT_EQ(ws.close_code(), 1001);
  auto code = server.process().wait_exit(15s);
  ASSERT_TRUE(code.has_value()) << "gatehouse did not exit";
  EXPECT_EQ(*code, 0) << server.process().stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  const auto log = server.process().stderr_text();
  EXPECT_NE(log.find("shutdown requested"), std::string::npos);
  EXPECT_NE(log.find("gatehouse stopped"), std::string::npos);
}

TEST(ShutdownTest, SigintStopsToo) {
  gatehouse_process server;
  ASSERT_EQ(http_call(server.port(), "GET", "/healthz").status, 200);
  server.process().signal(SIGINT);
  auto code = server.process().wait_exit(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}
