// An open-loop HTTP/1.1 load client for latency at a fixed request rate, the way wrk2 measures
// it: request k of connection c is due at start + (k * connections + c) / rate, whether or not
// the answer before it came back, and its latency counts from that due time. So a server that
// stalls is charged for every request that waited behind the stall ("coordinated omission" is
// corrected), which a closed-loop client such as wrk cannot do: it just sends less.
//
//   latency_load --port P [--host 127.0.0.1] [--path /] [--header 'Name: value']...
//                [--connections 64] [--rate 10000] [--seconds 10] [--warmup 1]
//
// The first `--warmup` seconds run at the same rate and are not counted (caches fill, as wrk's
// warm-up run does for the throughput figures).
// One thread, epoll, keep-alive connections with one request in flight each. Prints one line:
//   done=N late=N reconnects=N errors=N rate=R p50_ms= p90_ms= p99_ms= p999_ms= max_ms=
// A connection the server closes after an answer (nginx does after `keepalive_requests`) is opened
// again and counted in `reconnects`; one closed with a request in flight is an error.
// `late` counts requests sent more than 1 ms after their due time (the client or the server fell
// behind); any non-2xx answer or broken connection counts in `errors` and the exit status is 1.
#include "load_cli.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <iostream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using nanos = std::chrono::nanoseconds;

struct connection {
  int fd = -1;
  std::deque<clock_type::time_point> due; // requests due and not yet answered, oldest first
  bool in_flight = false;
  std::string input;
  uint64_t next_index = 0; // this connection's next request number
};

int open_connection(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    bench::fail("socket: " + std::string{std::strerror(errno)});
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    bench::fail("--host needs an IPv4 address");
  // A blocking connect, then non-blocking reads: the first request may go out at once.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    bench::fail("connect: " + std::string{std::strerror(errno)});
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/// Whether `at` in `in` starts with the lower-case header `name`, ignoring case.
bool header_is(const std::string& in, std::size_t at, std::string_view name) {
  return in.size() - at > name.size() &&
         std::equal(
             name.begin(), name.end(), in.begin() + static_cast<long>(at),
             [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

/// The length of the first whole answer in `in` (head and Content-Length body), its status and
/// whether it closes the connection, or 0 while it is incomplete.
std::size_t whole_answer(const std::string& in, int& status, bool& closing) {
  const auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos)
    return 0;
  if (in.size() < 12 || in.compare(0, 5, "HTTP/") != 0)
    bench::fail("an answer that is not HTTP");
  status = static_cast<int>(std::strtol(in.c_str() + 9, nullptr, 10));
  std::size_t length = 0;
  closing = false;
  for (std::size_t at = in.find("\r\n"); at < head_end; at = in.find("\r\n", at + 2)) {
    static constexpr std::string_view content_length = "content-length:";
    if (header_is(in, at + 2, content_length))
      length = std::strtoul(in.c_str() + at + 2 + content_length.size(), nullptr, 10);
    else if (header_is(in, at + 2, "connection: close"))
      closing = true;
  }
  const std::size_t total = head_end + 4 + length;
  return in.size() >= total ? total : 0;
}

double percentile_ms(const std::vector<uint32_t>& sorted_us, double p) {
  if (sorted_us.empty())
    return 0.0;
  const auto at = static_cast<std::size_t>(p * static_cast<double>(sorted_us.size() - 1));
  return sorted_us[at] / 1000.0;
}

} // namespace

int main(int argc, char** argv) try {
  std::string host = "127.0.0.1";
  std::string path = "/";
  std::string headers;
  long port = 0;
  long connections = 64;
  long rate = 10000;
  long seconds = 10;
  long warmup = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--host")
      host = argv[i + 1];
    else if (flag == "--path")
      path = argv[i + 1];
    else if (flag == "--header")
      headers += std::string{argv[i + 1]} + "\r\n";
    else if (flag == "--port")
      port = bench::number_flag(flag, argv[i + 1], 1);
    else if (flag == "--connections")
      connections = bench::number_flag(flag, argv[i + 1], 1);
    else if (flag == "--rate")
      rate = bench::number_flag(flag, argv[i + 1], 1);
    else if (flag == "--seconds")
      seconds = bench::number_flag(flag, argv[i + 1], 1);
    else if (flag == "--warmup")
      warmup = bench::number_flag(flag, argv[i + 1], 0);
    else
      bench::fail("unknown flag " + std::string{flag});
  }
  if (port == 0)
    bench::fail("--port is required");
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "\r\n";

  const int poller = ::epoll_create1(0);
  std::vector<connection> conns(static_cast<std::size_t>(connections));
  // Opens connection `c` and has the poller report its answers.
  const auto open_watched = [&](std::size_t c) {
    conns[c].fd = open_connection(host, static_cast<int>(port));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c;
    ::epoll_ctl(poller, EPOLL_CTL_ADD, conns[c].fd, &ev);
  };
  for (std::size_t c = 0; c < conns.size(); ++c)
    open_watched(c);
  ::usleep(100'000); // the connections complete before the clock starts

  const auto interval = nanos{1'000'000'000} / rate; // between two requests, all connections
  const auto start = clock_type::now() + std::chrono::milliseconds{10};
  const auto counted = start + std::chrono::seconds{warmup};
  const auto end = counted + std::chrono::seconds{seconds};
  const auto due_of = [&](std::size_t c, uint64_t k) {
    return start + interval * static_cast<long>(k * conns.size() + c);
  };
  std::vector<uint32_t> latencies_us;
  latencies_us.reserve(static_cast<std::size_t>(rate * seconds));
  uint64_t late = 0;
  uint64_t errors = 0;
  uint64_t reconnects = 0;
  std::vector<epoll_event> events(conns.size());
  char chunk[16384];

  const auto send_next = [&](connection& conn) {
    if (conn.in_flight || conn.due.empty())
      return;
    if (conn.due.front() >= counted &&
        clock_type::now() - conn.due.front() > std::chrono::milliseconds{1})
      ++late;
    // One small request: a short write on a fresh loopback socket does not happen in practice,
    // and is an error here rather than a partial request.
    if (::send(conn.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ++errors;
      conn.due.clear();
      return;
    }
    conn.in_flight = true;
  };

  // A connection the server ends is opened again, and what waited on it goes out.
  const auto reopen = [&](connection& conn, uint64_t index) {
    ::epoll_ctl(poller, EPOLL_CTL_DEL, conn.fd, nullptr);
    ::close(conn.fd);
    open_watched(index);
    conn.input.clear();
    ++reconnects;
    send_next(conn);
  };

  for (;;) {
    const auto now = clock_type::now();
    // Every request whose time has come joins its connection's queue (bounded by the run).
    auto next_due = end;
    for (std::size_t c = 0; c < conns.size(); ++c) {
      auto& conn = conns[c];
      for (auto due = due_of(c, conn.next_index); due <= now && due < end;
           due = due_of(c, conn.next_index)) {
        conn.due.push_back(due);
        ++conn.next_index;
      }
      next_due = std::min(next_due, due_of(c, conn.next_index));
      send_next(conn);
    }
    const bool idle =
        std::all_of(conns.begin(), conns.end(), [](const connection& c) { return c.due.empty(); });
    if (now >= end && idle)
      break;
    if (now >= end + std::chrono::seconds{5})
      bench::fail("answers still missing 5 s after the run");
    const auto wait = std::max(nanos{0}, std::chrono::duration_cast<nanos>(next_due - now));
    const timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000),
                           static_cast<long>(wait.count() % 1'000'000'000)};
    const int n = ::epoll_pwait2(poller, events.data(), static_cast<int>(events.size()),
                                 now >= end ? nullptr : &timeout, nullptr);
    if (n < 0 && errno != EINTR)
      bench::fail("epoll: " + std::string{std::strerror(errno)});
    for (int i = 0; i < n; ++i) {
      auto& conn = conns[events[static_cast<std::size_t>(i)].data.u64];
      const ssize_t got = ::recv(conn.fd, chunk, sizeof chunk, 0);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN)
          continue;
        if (conn.in_flight)
          bench::fail("the server closed a connection with a request in flight");
        reopen(conn, events[static_cast<std::size_t>(i)].data.u64);
        continue;
      }
      conn.input.append(chunk, static_cast<std::size_t>(got));
      int status = 0;
      bool closing = false;
      while (const std::size_t size = whole_answer(conn.input, status, closing)) {
        conn.input.erase(0, size);
        if (!conn.in_flight || conn.due.empty())
          bench::fail("an answer nobody asked for");
        if (status < 200 || status > 299)
          ++errors;
        if (conn.due.front() >= counted) { // warm-up requests are not counted
          const auto latency = clock_type::now() - conn.due.front();
          latencies_us.push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
        }
        conn.due.pop_front();
        conn.in_flight = false;
        if (closing) {
          reopen(conn, events[static_cast<std::size_t>(i)].data.u64);
          break;
        }
        send_next(conn);
      }
    }
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  std::printf("done=%zu late=%llu reconnects=%llu errors=%llu rate=%.0f p50_ms=%.3f p90_ms=%.3f "
              "p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
              latencies_us.size(), static_cast<unsigned long long>(late),
              static_cast<unsigned long long>(reconnects), static_cast<unsigned long long>(errors),
              static_cast<double>(latencies_us.size()) / static_cast<double>(seconds),
              percentile_ms(latencies_us, 0.50), percentile_ms(latencies_us, 0.90),
              percentile_ms(latencies_us, 0.99), percentile_ms(latencies_us, 0.999),
              latencies_us.empty() ? 0.0 : latencies_us.back() / 1000.0);
  return errors == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "latency_load: " << e.what() << '\n';
  return 1;
}
