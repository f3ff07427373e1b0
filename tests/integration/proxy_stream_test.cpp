// The proxy's streams: answers pass through as they are produced (server-sent events timed
// against the upstream), a 1 GiB answer moves in bounded memory, a client leaving mid-stream
// closes the upstream side, WebSockets are relayed both ways, and the browser flow the proxy
// exists for works end to end.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>

#include <fstream>
#include <sstream>

namespace gh::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

/// The resident set of process `pid`, in KiB (from /proc).
long rss_kib(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:"))
      return std::stol(line.substr(6));
  return -1;
}

/// A client that reads an answer piece by piece as it arrives.
class stream_client {
public:
  stream_client(uint16_t port, http::verb method, const std::string& target,
                const headers& fields = {}, const std::string& body = {}) {
    socket_.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "app.example.com");
    for (const auto& [name, value] : fields)
      req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
    parser_.body_limit(boost::none);
    http::read_header(socket_, buffer_, parser_);
  }

  int status() const { return parser_.get().result_int(); }
  std::string header(const std::string& name) const {
    auto it = parser_.get().find(name);
    return it == parser_.get().end() ? std::string{} : std::string{it->value()};
  }
  bool done() const { return parser_.is_done(); }

  /// The next piece of the body (empty at the end).
  std::string next() {
    std::string out;
    while (out.empty() && !parser_.is_done()) {
      parser_.get().body().data = chunk_.data();
      parser_.get().body().size = chunk_.size();
      beast::error_code ec;
      http::read_some(socket_, buffer_, parser_, ec);
      if (ec == http::error::need_buffer)
        ec = {};
      if (ec)
        throw beast::system_error{ec};
      out.append(chunk_.data(), chunk_.size() - parser_.get().body().size);
    }
    return out;
  }

  /// Reads and counts the rest of the body.
  uint64_t drain(const std::function<void(uint64_t)>& every_mib = {}) {
    uint64_t total = 0;
    uint64_t next_mark = 1 << 20;
    while (!parser_.is_done()) {
      total += next().size();
      if (every_mib && total >= next_mark) {
        every_mib(total);
        next_mark += 64 << 20;
      }
    }
    return total;
  }

  void close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

private:
  net::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, 256 * 1024> chunk_{};
};

TEST_F(ProxyTest, ServerSentEventsArriveBeforeTheUpstreamFinishes) {
  stream_client c{port(),
                  http::verb::get,
                  "/api/v1/generation/sse",
                  {{"Authorization", "Bearer " + token()}, {"Accept", "text/event-stream"}}};
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("Content-Type"), "text/event-stream");
  std::string seen;
  while (seen.find("data: first") == std::string::npos && !c.done())
    seen += c.next();
  const auto first_at = clock_type::now();
  while (!c.done())
    seen += c.next();
  EXPECT_NE(seen.find("data: second"), std::string::npos);
  const auto finished = upstream->sse_finished();
  // The upstream waits a second between its two events: the first one was here long before.
  EXPECT_LT(first_at + std::chrono::milliseconds{700}, finished);
}

TEST_F(ProxyTest, DoneMeansABrowserGetsAStreamedPlanForItsVerifiedUser) {
  const auto b = browser();
  const auto user = subject(b.access);
  stream_client c{port(),
                  http::verb::post,
                  "/api/v1/generation/create-plan",
                  {{"Cookie", b.jar()},
                   {"X-CSRF-Token", b.csrf},
                   {"Origin", "http://127.0.0.1:8080"},
                   {"Content-Type", "application/json"}},
                  R"({"goal":"a trip","user_id":"forged"})"};
  ASSERT_EQ(c.status(), 200);
  const auto first = c.next();
  const auto first_at = clock_type::now();
  EXPECT_NE(first.find("data: first"), std::string::npos);
  std::string rest;
  while (!c.done())
    rest += c.next();
  EXPECT_NE(rest.find("data: second"), std::string::npos);
  EXPECT_LT(first_at + std::chrono::milliseconds{700}, upstream->sse_finished());
  const auto seen = upstream->last();
  EXPECT_EQ(seen.target, "/svc/create-plan");
  EXPECT_EQ(seen.header("x-gatehouse-user-id"), user);
  EXPECT_EQ(boost::json::parse(seen.body).as_object().at("user_id").as_string(), user);
  EXPECT_TRUE(seen.header("cookie").find("gh_access") == std::string::npos);
  EXPECT_EQ(seen.header("cookie"), "theme=dark");
}

TEST_F(ProxyTest, AGibibyteStreamsInBoundedMemory) {
  const pid_t pid = server->process().pid();
  // Warm the path once so that pools, buffers and the allocator are in place.
  stream_client warm{port(), http::verb::get, "/api/v1/open/bytes?n=4194304"};
  ASSERT_EQ(warm.drain(), 4194304U);
  const long before = rss_kib(pid);
  long peak = before;
  constexpr uint64_t gib = uint64_t{1} << 30;
  stream_client c{port(), http::verb::get, "/api/v1/open/bytes?n=" + std::to_string(gib)};
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("Content-Length"), std::to_string(gib));
  const auto start = clock_type::now();
  const auto total = c.drain([&](uint64_t) { peak = std::max(peak, rss_kib(pid)); });
  const auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  EXPECT_EQ(total, gib);
  RecordProperty("rss_before_kib", std::to_string(before));
  RecordProperty("rss_peak_kib", std::to_string(peak));
  RecordProperty("mib_per_second", std::to_string(1024.0 / seconds));
  std::cout << "1 GiB in " << seconds << " s; gatehouse RSS " << before << " KiB before, peak "
            << peak << " KiB\n";
  EXPECT_LT(peak - before, 8 * 1024) << "RSS grew by more than 8 MiB";
}

TEST_F(ProxyTest, AClientLeavingMidStreamClosesTheUpstreamSide) {
  const auto broken = upstream->broken_streams();
  stream_client c{port(), http::verb::get, "/api/v1/open/forever"};
  ASSERT_EQ(c.status(), 200);
  EXPECT_NE(c.next().find("data: tick"), std::string::npos);
  c.close();
  EXPECT_TRUE(eventually(std::chrono::seconds{5}, [&] {
    return upstream->broken_streams() > broken;
  })) << "the upstream kept writing to a stream nobody reads";
}

TEST_F(ProxyTest, WebSocketsAreRelayedBothWays) {
  const auto access = token();
  ws_client ws{port(), ws_bearer(access), "/api/v1/generation/ws"};
  EXPECT_EQ(ws.protocol(), "bearer");
  EXPECT_EQ(ws.read(), std::optional<std::string>{"hello"}); // upstream to client
  ws.send_text("ping");
  EXPECT_EQ(ws.read(), std::optional<std::string>{"echo:ping"}); // client to upstream and back
  ws.send_text("again");
  EXPECT_EQ(ws.read(), std::optional<std::string>{"echo:again"});
  const auto seen = upstream->last();
  EXPECT_EQ(seen.target, "/svc/ws");
  EXPECT_EQ(seen.header("x-gatehouse-user-id"), subject(access));
  EXPECT_EQ(seen.header("sec-websocket-protocol").find(access), std::string::npos);
  EXPECT_TRUE(seen.header("authorization").empty());
  ws.close();
  EXPECT_EQ(ws.close_code(), 1000);
  // No credentials, no socket.
  EXPECT_THROW((ws_client{port(), {}, "/api/v1/generation/ws"}), std::exception);
}

} // namespace
} // namespace gh::test
