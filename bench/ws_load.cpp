// Load client of bench/ws_scale.sh: many authenticated WebSockets, the server's RSS per
// connection and the time one push takes to reach every one of them. Three modes:
//
//   ws_load register --port P --users U --out FILE [--concurrency C]
//       registers U users (email + password, POST /api/v1/auth/register, C at a time) and writes
//       one "user_id access_token" line each to FILE.
//
//   ws_load run --port P --pid PID[,PID...] --users-file FILE --steps 2000,5000,... [--per-user K]
//               [--pushes R] [--per-process M] [--source 127.0.X] [--nats URL --tenant UUID]
//               [--reference SUBJECT]
//       opens WebSockets in steps (connection c belongs to user c / K, so every user of a step
//       has all K of its sockets open), up to the largest step, spread over ceil(max / M)
//       client processes (M defaults to 9000: the box allows 20,000 open files per process).
//       Each process binds its sockets to its own source address SOURCE.<i+1>, so rounds that
//       follow each other never meet each other's TIME_WAIT ports. At each step it reads the
//       server's VmRSS from /proc/PID/status (the sum over the PIDs when several replicas
//       share the port through SO_REUSEPORT), then R times: publishes on NATS one event per
//       user of the step and waits until every socket received its frame; the push time runs
//       from just before the first publish to the last frame's arrival (CLOCK_MONOTONIC, one
//       clock for every process of the machine), then reads VmRSS again.
//         Against Gatehouse (no --reference): sockets ask `GET /api/v1/ws` with the subprotocols
//       `bearer, <access JWT>`; the events are `user.updated` envelopes ({id, type,
//       occurred_at, tenant_id, data: {user_id, name}}) published on the subject Gatehouse's
//       push subscription reads, so each goes the real way from NATS on: decoded, looked up in
//       the user's sinks, posted to each connection's io thread, queued and written.
//         Against the reference server (--reference SUBJECT, see `serve`): sockets ask
//       `/ws?u=<user index>` and the messages are "<user index> <frame>" on SUBJECT.
//       Prints one line per step to stdout:
//         step n=N users=U rss_idle_kb=A rss_open_kb=B rss_kb=C push_ms=X,Y,Z publish_ms=...
//       (rss_idle_kb before any socket, rss_open_kb once the step's sockets are open,
//       rss_kb after its pushes). Progress and errors go to stderr; exits 1 when a socket
//       fails to open or closes, or a push is not complete within 60 s.
//
//   ws_load serve --port P --nats URL --subject S [--threads T]
//       the reference: a bare Beast WebSocket server built like Gatehouse's sessions (one
//       io_context and SO_REUSEPORT acceptor per thread, websocket::stream<tcp_stream> with
//       Beast's suggested server timeouts, a flat_buffer read loop, a queue of frames written
//       one at a time) and a per-user map filled from the upgrade's `?u=`, with no
//       authentication, no logs and no JSON. One NATS message "<user index> <frame>" on S
//       queues the frame on each socket of that user. Prints "ready" on stdout when listening.
#include "load_cli.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/src.hpp> // header-only Boost.JSON: the client links no Boost library
#include <nats/nats.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using bench::fail;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The flags of every mode, by name.
struct flags {
  std::unordered_map<std::string, std::string> values;

  const std::string& get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end())
      fail("--" + name + " is required");
    return it->second;
  }
  std::string get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  long number(const std::string& name, long fallback, long min) const {
    auto it = values.find(name);
    if (it == values.end())
      return fallback;
    return bench::number_flag(name, it->second.c_str(), min);
  }
};

flags parse_flags(int argc, char** argv) {
  flags f;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--") || i + 1 >= argc)
      fail("unexpected argument " + std::string{arg});
    f.values[std::string{arg.substr(2)}] = argv[++i];
  }
  return f;
}

/// The comma-separated whole numbers (at least one, each at least 1) of flag `flag`.
std::vector<long> parse_numbers(std::string_view flag, const std::string& text) {
  std::vector<long> out;
  std::stringstream in{text};
  std::string part;
  while (std::getline(in, part, ','))
    out.push_back(bench::number_flag(flag, part.c_str(), 1));
  if (out.empty())
    fail(std::string{"--"} + std::string{flag} + " needs at least one number");
  return out;
}

std::vector<long> parse_steps(const std::string& text) {
  const auto steps = parse_numbers("steps", text);
  if (steps.empty() || !std::is_sorted(steps.begin(), steps.end()))
    fail("--steps needs rising numbers, e.g. 2000,5000");
  return steps;
}

// --- register ------------------------------------------------------------------------------

struct user {
  std::string id;
  std::string token;
};

int run_register(const flags& f) {
  const auto port = static_cast<unsigned short>(f.number("port", 0, 1));
  const long users = f.number("users", 0, 1);
  const long concurrency = f.number("concurrency", 4, 1);
  const std::string stamp = std::to_string(mono_ns());
  std::vector<user> out(static_cast<std::size_t>(users));
  std::atomic<long> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (long t = 0; t < concurrency; ++t)
    threads.emplace_back([&] {
      try {
        asio::io_context ioc;
        beast::tcp_stream stream{ioc};
        stream.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
        beast::flat_buffer buffer;
        for (long i = next++; i < users && !failed; i = next++) {
          http::request<http::string_body> req{http::verb::post, "/api/v1/auth/register", 11};
          req.set(http::field::host, "127.0.0.1");
          req.set(http::field::content_type, "application/json");
          req.body() = R"({"email":"ws-)" + stamp + "-" + std::to_string(i) +
                       R"(@bench.example.com","password":"ws bench password 1"})";
          req.prepare_payload();
          http::write(stream, req);
          http::response<http::string_body> res;
          http::read(stream, buffer, res);
          if (res.result() != http::status::created)
            fail("register answered " + std::to_string(res.result_int()) + ": " + res.body());
          auto body = boost::json::parse(res.body()).as_object();
          out[static_cast<std::size_t>(i)] = {
              std::string{body.at("user").as_object().at("id").as_string()},
              std::string{body.at("access_token").as_string()}};
          if (!res.keep_alive())
            fail("the server closed the registration connection");
        }
      } catch (const std::exception& e) {
        if (!failed.exchange(true))
          std::cerr << "ws_load register: " << e.what() << "\n";
      }
    });
  for (auto& t : threads)
    t.join();
  if (failed)
    return 1;
  std::ofstream file{f.get("out")};
  for (const auto& u : out)
    file << u.id << ' ' << u.token << '\n';
  return file ? 0 : 1;
}

// --- run: one client process ---------------------------------------------------------------

/// A client process: holds its share of the sockets and answers the coordinator's commands,
/// one line each over a pipe: `open N` (hold every connection c < N with c % procs == index)
/// -> `opened COUNT`; `arm SEQ` -> `armed SEQ`; then, once each socket got the frame of SEQ,
/// `got SEQ LAST_NS`; `quit`.
class client_process {
public:
  struct options {
    unsigned short port = 0;
    std::size_t index = 0;
    std::size_t procs = 1;
    std::size_t per_user = 10;
    std::string source;
    bool reference = false;
    const std::vector<user>* users = nullptr;
  };

  client_process(options o, int command_fd, int reply_fd)
      : o_(std::move(o)), commands_(ioc_, command_fd), reply_fd_(reply_fd) {}

  void run() {
    read_command();
    ioc_.run();
  }

private:
  struct conn {
    explicit conn(asio::io_context& ioc) : ws(ioc) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
    uint64_t last_seq = 0;
  };

  void reply(const std::string& line) const {
    const std::string text = line + "\n";
    if (::write(reply_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      std::exit(1);
  }

  void die(const std::string& message) {
    reply("error " + message);
    std::exit(1);
  }

  void read_command() {
    asio::async_read_until(commands_, command_buf_, '\n',
                           [this](beast::error_code ec, std::size_t) {
                             if (ec)
                               std::exit(0); // the coordinator went away
                             std::istream in{&command_buf_};
                             std::string verb;
                             long value = 0;
                             in >> verb >> value;
                             in.ignore(1);
                             on_command(verb, value);
                             read_command();
                           });
  }

  void on_command(const std::string& verb, long value) {
    if (verb == "open") {
      for (auto c = next_conn_index(); c < static_cast<std::size_t>(value); c += o_.procs)
        pending_.push_back(c);
      want_ = conns_.size() + pending_.size();
      launch();
      if (want_ == conns_.size())
        reply("opened " + std::to_string(conns_.size()));
    } else if (verb == "arm") {
      armed_ = static_cast<uint64_t>(value);
      got_ = 0;
      reply("armed " + std::to_string(value));
      if (conns_.empty())
        reply("got " + std::to_string(value) + " 0");
    } else if (verb == "quit") {
      quitting_ = true;
      std::exit(0);
    }
  }

  std::size_t next_conn_index() const {
    return o_.index + (conns_.size() + pending_.size() + in_flight_) * o_.procs;
  }

  void launch() {
    while (in_flight_ < 128 && !pending_.empty()) {
      const auto c = pending_.front();
      pending_.pop_front();
      ++in_flight_;
      open_one(c);
    }
  }

  void open_one(std::size_t c) {
    auto cn = std::make_shared<conn>(ioc_);
    auto& sock = beast::get_lowest_layer(cn->ws);
    sock.open(tcp::v4());
    const int yes = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &yes, sizeof yes);
    sock.bind(tcp::endpoint{asio::ip::make_address(o_.source), 0});
    const std::size_t u = c / o_.per_user;
    if (u >= o_.users->size())
      die("no user for connection " + std::to_string(c));
    sock.async_connect(
        tcp::endpoint{asio::ip::make_address("127.0.0.1"), o_.port},
        [this, cn, u](beast::error_code ec) {
          if (ec)
            die("connect: " + ec.message());
          if (!o_.reference)
            cn->ws.set_option(websocket::stream_base::decorator(
                [token = (*o_.users)[u].token](websocket::request_type& req) {
                  req.set(http::field::sec_websocket_protocol, "bearer, " + token);
                }));
          const std::string target =
              o_.reference ? "/ws?u=" + std::to_string(u) : std::string{"/api/v1/ws"};
          cn->ws.async_handshake("127.0.0.1", target, [this, cn](beast::error_code hec) {
            if (hec)
              die("handshake: " + hec.message());
            --in_flight_;
            conns_.push_back(cn);
            read(cn);
            launch();
            if (conns_.size() == want_)
              reply("opened " + std::to_string(conns_.size()));
          });
        });
  }

  void read(const std::shared_ptr<conn>& cn) {
    cn->ws.async_read(cn->buffer, [this, cn](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!quitting_)
          die("a socket closed: " + ec.message());
        return;
      }
      on_frame(*cn);
      cn->buffer.consume(cn->buffer.size());
      read(cn);
    });
  }

  void on_frame(conn& cn) {
    const auto data = cn.buffer.cdata();
    const std::string_view text{static_cast<const char*>(data.data()), data.size()};
    static constexpr std::string_view marker = "ws-bench-";
    const auto at = text.find(marker);
    if (at == std::string_view::npos)
      return;
    uint64_t seq = 0;
    for (auto i = at + marker.size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      seq = seq * 10 + static_cast<uint64_t>(text[i] - '0');
    if (seq != armed_ || cn.last_seq == seq)
      return;
    cn.last_seq = seq;
    if (++got_ == conns_.size())
      reply("got " + std::to_string(seq) + " " + std::to_string(mono_ns()));
  }

  options o_;
  asio::io_context ioc_;
  asio::posix::stream_descriptor commands_;
  asio::streambuf command_buf_;
  int reply_fd_;
  std::vector<std::shared_ptr<conn>> conns_;
  std::deque<std::size_t> pending_;
  std::size_t in_flight_ = 0;
  std::size_t want_ = 0;
  uint64_t armed_ = 0;
  std::size_t got_ = 0;
  bool quitting_ = false;
};

// --- run: the coordinator ------------------------------------------------------------------

struct child {
  pid_t pid = 0;
  int to = -1;   ///< commands
  int from = -1; ///< replies
  std::string pending;
};

/// The next reply line of `c` that starts with `prefix`, waiting at most `timeout_ms`.
std::string expect(child& c, const std::string& prefix, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  for (;;) {
    if (auto nl = c.pending.find('\n'); nl != std::string::npos) {
      std::string line = c.pending.substr(0, nl);
      c.pending.erase(0, nl + 1);
      if (line.starts_with("error "))
        fail("client process: " + line.substr(6));
      if (line.starts_with(prefix))
        return line;
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0)
      fail("timed out waiting for '" + prefix + "' from a client process");
    pollfd p{c.from, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0)
      continue;
    char buf[4096];
    const auto n = ::read(c.from, buf, sizeof buf);
    if (n <= 0)
      fail("a client process ended");
    c.pending.append(buf, static_cast<std::size_t>(n));
  }
}

void send_line(child& c, const std::string& line) {
  const std::string text = line + "\n";
  if (::write(c.to, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    fail("cannot reach a client process");
}

long rss_kb(long pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:"))
      return std::stol(line.substr(6));
  fail("no VmRSS for pid " + std::to_string(pid));
}

/// The VmRSS of all the server's processes together.
long rss_kb(const std::vector<long>& pids) {
  long sum = 0;
  for (const long pid : pids)
    sum += rss_kb(pid);
  return sum;
}

std::string random_uuid(std::mt19937_64& rng) {
  const uint64_t a = rng();
  const uint64_t b = rng();
  char out[37];
  (void)std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx",
                      static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                      static_cast<unsigned>(a & 0xfff),
                      static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                      static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

std::vector<user> read_users(const std::string& path) {
  std::ifstream in{path};
  std::vector<user> users;
  user u;
  while (in >> u.id >> u.token)
    users.push_back(u);
  return users;
}

int run_coordinator(const flags& f) {
  const auto steps = parse_steps(f.get("steps"));
  const auto per_user = static_cast<std::size_t>(f.number("per-user", 10, 1));
  const long pushes = f.number("pushes", 3, 1);
  const long per_process = f.number("per-process", 9000, 1);
  const auto pids = parse_numbers("pid", f.get("pid"));
  const std::string reference = f.get("reference", "");
  const std::string source = f.get("source", "127.0.1");
  const auto users = reference.empty() ? read_users(f.get("users-file")) : std::vector<user>{};
  const auto max = static_cast<std::size_t>(steps.back());
  const std::size_t user_count = (max + per_user - 1) / per_user;
  const std::vector<user> placeholders(reference.empty() ? 0 : user_count);
  const auto& who = reference.empty() ? users : placeholders;
  if (who.size() < user_count)
    fail("the users file holds " + std::to_string(who.size()) + " users; the steps need " +
         std::to_string(user_count));
  const std::size_t procs =
      (max + static_cast<std::size_t>(per_process) - 1) / static_cast<std::size_t>(per_process);

  std::vector<child> children(procs);
  for (std::size_t i = 0; i < procs; ++i) {
    int down[2];
    int up[2];
    if (::pipe(down) != 0 || ::pipe(up) != 0)
      fail("pipe failed");
    const pid_t p = ::fork();
    if (p < 0)
      fail("fork failed");
    if (p == 0) {
      ::close(down[1]);
      ::close(up[0]);
      for (std::size_t j = 0; j < i; ++j) {
        ::close(children[j].to);
        ::close(children[j].from);
      }
      client_process::options o;
      o.port = static_cast<unsigned short>(f.number("port", 0, 1));
      o.index = i;
      o.procs = procs;
      o.per_user = per_user;
      o.source = source + "." + std::to_string(i + 1);
      o.reference = !reference.empty();
      o.users = &who;
      try {
        client_process{o, down[0], up[1]}.run();
      } catch (const std::exception& e) {
        const std::string line = std::string{"error "} + e.what() + "\n";
        (void)!::write(up[1], line.data(), line.size());
      }
      std::_Exit(1);
    }
    ::close(down[0]);
    ::close(up[1]);
    children[i] = {p, down[1], up[0], {}};
  }

  natsConnection* nc = nullptr;
  if (natsConnection_ConnectTo(&nc, f.get("nats").c_str()) != NATS_OK)
    fail("cannot connect to NATS");
  const std::string subject = reference.empty() ? "user.updated" : reference;
  const std::string tenant = reference.empty() ? f.get("tenant") : "";
  std::mt19937_64 rng{std::random_device{}()};

  const long idle = rss_kb(pids);
  uint64_t seq = 0;
  for (const long n : steps) {
    const auto started = std::chrono::steady_clock::now();
    for (auto& c : children)
      send_line(c, "open " + std::to_string(n));
    for (auto& c : children)
      expect(c, "opened", 600000);
    const double open_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::this_thread::sleep_for(std::chrono::seconds{1});
    const long rss_open = rss_kb(pids);
    const std::size_t step_users = static_cast<std::size_t>(n) / per_user;
    std::string push_ms;
    std::string publish_ms;
    for (long r = 0; r < pushes; ++r) {
      ++seq;
      const std::string marker = "ws-bench-" + std::to_string(seq);
      std::vector<std::string> messages;
      messages.reserve(step_users);
      for (std::size_t u = 0; u < step_users; ++u) {
        if (reference.empty()) {
          std::string m = R"({"id":")";
          m += random_uuid(rng);
          m += R"(","type":"user.updated","occurred_at":"2026-12-01T10:00:00.000Z","tenant_id":")";
          m += tenant;
          m += R"(","data":{"user_id":")";
          m += who[u].id;
          m += R"(","name":")";
          m += marker;
          m += R"("}})";
          messages.push_back(std::move(m));
        } else {
          std::string m = std::to_string(u);
          m += R"( {"event":"user.updated","data":{"name":")";
          m += marker;
          m += R"("}})";
          messages.push_back(std::move(m));
        }
      }
      for (auto& c : children) {
        send_line(c, "arm " + std::to_string(seq));
        expect(c, "armed", 10000);
      }
      const int64_t t0 = mono_ns();
      for (const auto& m : messages)
        if (natsConnection_Publish(nc, subject.c_str(), m.data(), static_cast<int>(m.size())) !=
            NATS_OK)
          fail("NATS publish failed");
      natsConnection_Flush(nc);
      const int64_t published = mono_ns();
      int64_t last = 0;
      for (auto& c : children) {
        std::istringstream line{expect(c, "got " + std::to_string(seq), 60000)};
        std::string verb;
        uint64_t s = 0;
        int64_t t = 0;
        line >> verb >> s >> t;
        last = std::max(last, t);
      }
      char ms[32];
      (void)std::snprintf(ms, sizeof ms, "%.1f", static_cast<double>(last - t0) / 1e6);
      push_ms += (r == 0 ? "" : ",") + std::string{ms};
      (void)std::snprintf(ms, sizeof ms, "%.1f", static_cast<double>(published - t0) / 1e6);
      publish_ms += (r == 0 ? "" : ",") + std::string{ms};
      std::this_thread::sleep_for(std::chrono::milliseconds{300});
    }
    const long rss_after = rss_kb(pids);
    std::printf("step n=%ld users=%zu rss_idle_kb=%ld rss_open_kb=%ld rss_kb=%ld push_ms=%s "
                "publish_ms=%s open_s=%.1f\n",
                n, step_users, idle, rss_open, rss_after, push_ms.c_str(), publish_ms.c_str(),
                open_s);
    (void)std::fflush(stdout);
  }
  for (auto& c : children)
    send_line(c, "quit");
  for (auto& c : children)
    ::waitpid(c.pid, nullptr, 0);
  natsConnection_Destroy(nc);
  nats_Close();
  return 0;
}

#include "ws_load_serve.inc" // NOLINT(bugprone-suspicious-include): one flow per file

} // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2)
      fail("usage: ws_load register|run|serve --flag value ...");
    const std::string mode = argv[1];
    const auto f = parse_flags(argc, argv);
    if (mode == "register")
      return run_register(f);
    if (mode == "run")
      return run_coordinator(f);
    if (mode == "serve")
      return run_serve(f);
    fail("unknown mode " + mode);
  } catch (const std::exception& e) {
    std::cerr << "ws_load: " << e.what() << "\n";
    return 1;
  }
}
