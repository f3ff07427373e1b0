// Load client of bench/webhooks.sh: signed Stripe webhook events over kept-alive connections.
//
//   webhook_load --port P [--host 127.0.0.1] [--path /webhooks/stripe] [--secret whsec_...]
//                [--events N] [--connections C] [--warmup N]
//                [--database-url URL] [--consumer stripe] [--timeout S]
//
// Builds N `invoice.paid` events of the customer cus_benchunknown (a customer Gatehouse does not
// know: the `stripe` worker decodes the invoice, looks the customer up and records the event
// without writing payment rows), each with its own event and invoice id, as complete HTTP/1.1
// requests with `Stripe-Signature: t=<now>,v1=<hex HMAC-SHA256 over "<t>.<body>">` keyed with
// the whole secret, the way Gatehouse checks it. All of that happens before the clock starts.
// Then C threads, each with one kept-alive connection and one request in flight, send their
// contiguous share of the events. The clock runs from the first send to the last answer; each
// request's latency from writing it to having read its whole answer. Answers with 200 count as
// accepted, other statuses as rejected, broken connections as failed (a broken connection is
// opened again for the next event; so is one the server asked to close).
//
// With --database-url the end to end figure follows: a second thread counts the consumer's rows
// in processed_events every 50 ms from the first send until the run's events are all there
// (the count before the run plus N), that is, until Gatehouse's outbox relay published each
// event to JetStream and the worker recorded it. Fails when that takes longer than the timeout
// after the last answer. The database should hold no other traffic for that consumer meanwhile.
// The time events waited between being queued and being applied comes from PostgreSQL's own
// timestamps (outbox.created_at, processed_events.processed_at: both transaction starts).
//
// --warmup events (default 200) go first, untimed, over connections of their own; with a
// database they are also waited for. The secret may come from STRIPE_WEBHOOK_SECRET instead of
// --secret (then it does not show in the process list). Gatehouse accepts a signature up to
// 300 s old, so the events of a run are signed just before it starts.
//
// Prints one line to stdout for the HTTP measurement:
//   http events=N accepted=A rejected=R failed=F seconds=S rate=ACCEPTED_PER_SECOND
//        p50_ms=X p99_ms=Y body_bytes=B connections=C
// and with a database one more:
//   applied events=N seconds=S rate=APPLIED_PER_SECOND applied_when_sent=K
//           queued_p50_ms=X queued_p99_ms=Y
// Progress and errors go to stderr; the exit status is 0 only when every event was answered 200
// (and, with a database, recorded within the timeout).
#include "load_cli.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <latch>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using bench::fail;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr const char* customer = "cus_benchunknown";
constexpr std::size_t max_answer_bytes = std::size_t{1} << 20;
constexpr std::size_t max_problem_chars = 300;
constexpr auto poll_interval = std::chrono::milliseconds{50};
constexpr auto report_interval = std::chrono::seconds{5};

struct options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string path = "/webhooks/stripe";
  std::string secret;
  long events = 5000;
  long connections = 8;
  long warmup = 200;
  std::string database_url;
  std::string consumer = "stripe";
  long timeout_seconds = 120;
};

double seconds_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc)
      fail(std::string{flag} + " needs a value");
    const char* value = argv[++i];
    if (flag == "--host")
      o.host = value;
    else if (flag == "--port")
      o.port = std::to_string(bench::number_flag(flag, value, 1));
    else if (flag == "--path")
      o.path = value;
    else if (flag == "--secret")
      o.secret = value;
    else if (flag == "--events")
      o.events = bench::number_flag(flag, value, 1);
    else if (flag == "--connections")
      o.connections = bench::number_flag(flag, value, 1);
    else if (flag == "--warmup")
      o.warmup = bench::number_flag(flag, value, 0);
    else if (flag == "--database-url")
      o.database_url = value;
    else if (flag == "--consumer")
      o.consumer = value;
    else if (flag == "--timeout")
      o.timeout_seconds = bench::number_flag(flag, value, 1);
    else
      fail("unknown option " + std::string{flag});
  }
  if (o.port.empty())
    fail("usage: webhook_load --port P [--host H] [--path /webhooks/stripe] [--secret whsec_...] "
         "[--events N] [--connections C] [--warmup N] [--database-url URL] [--consumer NAME] "
         "[--timeout S]");
  if (o.secret.empty())
    if (const char* env = std::getenv("STRIPE_WEBHOOK_SECRET"); env != nullptr)
      o.secret = env;
  if (o.secret.empty())
    fail("no secret: pass --secret or set STRIPE_WEBHOOK_SECRET");
  if (o.path.empty() || o.path.front() != '/')
    fail("--path must start with /");
  return o;
}

// --- the events -----------------------------------------------------------------------------

/// Twelve random lower-case letters and digits: this run's part of every event id.
std::string run_tag() {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick{0, alphabet.size() - 1};
  std::string tag;
  for (int i = 0; i < 12; ++i)
    tag += alphabet[pick(rng)];
  return tag;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Lower-case hex of HMAC-SHA256(key, message), as in Stripe-Signature's v1 values.
std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &length) == nullptr)
    fail("HMAC-SHA256 failed");
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 0x0f];
  }
  return hex;
}

/// An `invoice.paid` event; `suffix` makes the event id and the invoice id unique.
std::string event_body(const std::string& suffix, int64_t created) {
  const auto at = std::to_string(created);
  return R"({"id":"evt_)" + suffix + R"(","object":"event","type":"invoice.paid","created":)" + at +
         R"(,"livemode":false,"data":{"object":{"id":"in_)" + suffix +
         R"(","object":"invoice","customer":")" + customer +
         R"(","amount_due":1500,"amount_paid":1500,"currency":"eur","status":"paid","created":)" +
         at + "}}}";
}

struct prepared {
  std::vector<std::string> requests; ///< whole HTTP/1.1 requests, ready to write
  std::size_t body_bytes = 0;        ///< of the largest event (they differ by a digit or so)
};

/// `count` signed requests whose Stripe event ids start with `id_prefix` (after `evt_`).
prepared build_requests(const options& o, const std::string& id_prefix, long count) {
  prepared p;
  p.requests.reserve(static_cast<std::size_t>(count));
  const auto t = unix_now();
  const auto head = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port +
                    "\r\nUser-Agent: gatehouse-webhook-load\r\n"
                    "Content-Type: application/json; charset=utf-8\r\n"
                    "Stripe-Signature: t=" +
                    std::to_string(t) + ",v1=";
  for (long i = 0; i < count; ++i) {
    const auto body = event_body(id_prefix + std::to_string(i), t);
    const auto signature = hmac_sha256_hex(o.secret, std::to_string(t) + "." + body);
    p.requests.push_back(head + signature + "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\n\r\n" + body);
    p.body_bytes = std::max(p.body_bytes, body.size());
  }
  return p;
}

// --- sending ----------------------------------------------------------------------------------

/// What one connection's thread saw.
struct share {
  long accepted = 0;
  long rejected = 0;
  long failed = 0;
  std::vector<int64_t> latencies_ns; ///< of the accepted requests
  std::string problem;               ///< the first rejection or failure
  clock_type::time_point finished;
};

/// One kept-alive connection, opened again after a failure or when the server closes it.
class connection {
public:
  explicit connection(const tcp::endpoint& endpoint) : endpoint_(endpoint), socket_(io_) {}

  /// Empty when open, else why it could not be opened.
  std::string open() {
    if (socket_.is_open())
      return {};
    beast::error_code ec;
    socket_.connect(endpoint_, ec);
    if (!ec)
      socket_.set_option(tcp::no_delay{true}, ec);
    if (ec) {
      close();
      return "cannot connect: " + ec.message();
    }
    return {};
  }

  /// Writes `request` and reads the whole answer into `answer`; empty or why that failed.
  std::string exchange(const std::string& request, http::response<http::string_body>& answer) {
    beast::error_code ec;
    asio::write(socket_, asio::buffer(request), ec);
    if (ec) {
      close();
      return "write: " + ec.message();
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_answer_bytes);
    http::read(socket_, buffer_, parser, ec);
    if (ec) {
      close();
      return "read: " + ec.message();
    }
    answer = parser.release();
    if (!answer.keep_alive())
      close();
    return {};
  }

  void close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    buffer_.clear();
  }

private:
  tcp::endpoint endpoint_;
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

/// Opens its connection, counts down `ready`, then sends requests [begin, end) one after the
/// other once `go` opens.
void send_share(const tcp::endpoint& endpoint, const std::vector<std::string>& requests,
                std::size_t begin, std::size_t end, std::latch& ready, std::latch& go, share& out) {
  connection conn{endpoint};
  (void)conn.open(); // before the clock; a failure shows (again) below
  ready.count_down();
  go.wait();
  out.latencies_ns.reserve(end - begin);
  http::response<http::string_body> answer;
  for (std::size_t i = begin; i < end; ++i) {
    auto trouble = conn.open(); // nothing to do while it is open
    if (trouble.empty()) {
      const auto sent = clock_type::now();
      trouble = conn.exchange(requests[i], answer);
      if (trouble.empty()) {
        const auto took = clock_type::now() - sent;
        if (answer.result_int() == 200) {
          ++out.accepted;
          out.latencies_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
        } else {
          ++out.rejected;
          if (out.problem.empty())
            out.problem = "HTTP " + std::to_string(answer.result_int()) + ": " +
                          answer.body().substr(0, max_problem_chars);
        }
        continue;
      }
    }
    ++out.failed;
    if (out.problem.empty())
      out.problem = trouble;
  }
  out.finished = clock_type::now();
}

struct http_result {
  long events = 0;
  long accepted = 0;
  long rejected = 0;
  long failed = 0;
  clock_type::time_point start;
  clock_type::time_point end;
  std::vector<int64_t> latencies_ns;
  std::string problem;

  double seconds() const { return seconds_between(start, end); }
};

/// Sends every request over `connections` connections; the clock starts when all of them are
/// open (or have failed to open) and stops at the last answer.
http_result send_all(const tcp::endpoint& endpoint, const std::vector<std::string>& requests,
                     long connections) {
  const auto n = requests.size();
  const auto threads = std::min(static_cast<std::size_t>(connections), n);
  std::vector<share> shares(threads);
  std::latch ready{static_cast<std::ptrdiff_t>(threads)};
  std::latch go{1};
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < threads; ++k)
    pool.emplace_back(send_share, std::cref(endpoint), std::cref(requests), k * n / threads,
                      (k + 1) * n / threads, std::ref(ready), std::ref(go), std::ref(shares[k]));
  ready.wait();
  http_result r;
  r.events = static_cast<long>(n);
  r.start = clock_type::now();
  go.count_down();
  for (auto& t : pool)
    t.join();
  r.end = r.start;
  for (auto& s : shares) {
    r.accepted += s.accepted;
    r.rejected += s.rejected;
    r.failed += s.failed;
    r.end = std::max(r.end, s.finished);
    r.latencies_ns.insert(r.latencies_ns.end(), s.latencies_ns.begin(), s.latencies_ns.end());
    if (r.problem.empty())
      r.problem = s.problem;
  }
  return r;
}

/// The `p` quantile (nearest rank) of `values` in milliseconds; sorts them; 0 when empty.
double quantile_ms(std::vector<int64_t>& values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return static_cast<double>(values[rank - 1]) / 1e6;
}

// --- waiting for the worker -------------------------------------------------------------------

long applied_count(pqxx::connection& conn, const std::string& consumer) {
  pqxx::nontransaction q{conn};
  return q.exec_params("SELECT count(*) FROM processed_events WHERE consumer = $1", consumer)[0][0]
      .as<long>();
}

/// Counts the consumer's processed_events rows every 50 ms on a thread of its own until
/// `expected` more than when it was made are there, the deadline passes or it is stopped. Owns
/// `conn` while it runs.
class applied_watch {
public:
  applied_watch(pqxx::connection& conn, std::string consumer, long expected)
      : conn_(conn), consumer_(std::move(consumer)), base_(applied_count(conn_, consumer_)),
        expected_(expected), last_seen_(base_) {
    thread_ = std::thread([this] { loop(); });
  }

  ~applied_watch() {
    stop();
    if (thread_.joinable())
      thread_.join();
  }

  applied_watch(const applied_watch&) = delete;
  applied_watch& operator=(const applied_watch&) = delete;

  /// Gives up at `deadline` (until then it waits without one).
  void deadline(clock_type::time_point at) {
    deadline_ns_.store(at.time_since_epoch().count(), std::memory_order_relaxed);
  }

  void stop() { stopped_.store(true, std::memory_order_relaxed); }

  /// How many of the expected events the latest look found (within 50 ms).
  long applied() const { return last_seen_.load(std::memory_order_relaxed) - base_; }

  /// Waits for the end: when the target was seen, or nothing (after reporting why).
  std::optional<clock_type::time_point> wait() {
    thread_.join();
    if (!error_.empty())
      std::cerr << "webhook_load: " << error_ << "\n";
    return reached_;
  }

private:
  void loop() {
    try {
      auto last_report = clock_type::now();
      for (;;) {
        const long seen = applied_count(conn_, consumer_);
        last_seen_.store(seen, std::memory_order_relaxed);
        const auto now = clock_type::now();
        if (seen - base_ >= expected_) {
          reached_ = now;
          return;
        }
        if (stopped_.load(std::memory_order_relaxed))
          return;
        if (now.time_since_epoch().count() > deadline_ns_.load(std::memory_order_relaxed)) {
          error_ = std::to_string(seen - base_) + " of " + std::to_string(expected_) +
                   " events recorded by '" + consumer_ +
                   "' when the timeout passed (see gatehouse's log)";
          return;
        }
        if (now - last_report > report_interval) {
          last_report = now;
          std::cerr << "webhook_load: " << seen - base_ << " of " << expected_
                    << " events applied so far\n";
        }
        std::this_thread::sleep_for(poll_interval);
      }
    } catch (const std::exception& e) {
      error_ = std::string{"counting processed_events: "} + e.what();
    }
  }

  pqxx::connection& conn_;
  std::string consumer_;
  long base_;
  long expected_;
  std::atomic<long> last_seen_;
  std::atomic<bool> stopped_{false};
  std::atomic<clock_type::rep> deadline_ns_{
      clock_type::time_point::max().time_since_epoch().count()};
  std::optional<clock_type::time_point> reached_;
  std::string error_;
  std::thread thread_;
};

/// p50 and p99 of the time the run's events waited from their outbox insert to the worker's
/// transaction, in milliseconds, by PostgreSQL's clock.
std::pair<double, double> queued_ms(pqxx::connection& conn, const std::string& consumer,
                                    const std::string& event_prefix) {
  pqxx::nontransaction q{conn};
  const auto r = q.exec_params(
      "SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY d), 0), "
      "coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY d), 0) FROM ("
      "SELECT (extract(epoch FROM p.processed_at - o.created_at) * 1000)::float8 AS d "
      "FROM outbox o JOIN processed_events p ON p.consumer = $1 AND p.event_id = o.id "
      "WHERE starts_with(o.payload->'data'->>'id', $2)) AS run",
      consumer, event_prefix);
  return {r[0][0].as<double>(), r[0][1].as<double>()};
}

void check_all_accepted(const http_result& r, std::string_view what) {
  if (r.accepted == r.events)
    return;
  fail(std::string{what} + ": " + std::to_string(r.rejected) + " rejected, " +
       std::to_string(r.failed) + " failed of " + std::to_string(r.events) +
       "; the first: " + r.problem);
}

tcp::endpoint resolve(const options& o) {
  asio::io_context io;
  tcp::resolver resolver{io};
  const auto found = resolver.resolve(o.host, o.port);
  if (found.empty())
    fail("cannot resolve " + o.host);
  return found.begin()->endpoint();
}

int run(const options& o) {
  const auto endpoint = resolve(o);
  const auto tag = "bench_" + run_tag() + "_";
  std::optional<pqxx::connection> db;
  if (!o.database_url.empty())
    db.emplace(o.database_url);

  if (o.warmup > 0) {
    const auto warm = build_requests(o, tag + "w", o.warmup);
    std::optional<applied_watch> watch;
    if (db)
      watch.emplace(*db, o.consumer, o.warmup);
    const auto r = send_all(endpoint, warm.requests, o.connections);
    if (watch && r.accepted != r.events)
      watch->stop();
    check_all_accepted(r, "warm-up");
    if (watch) {
      watch->deadline(r.end + std::chrono::seconds{o.timeout_seconds});
      if (!watch->wait())
        fail("the warm-up events were not all applied");
    }
  }

  const auto run_prefix = tag + "r";
  const auto timed = build_requests(o, run_prefix, o.events);
  std::optional<applied_watch> watch;
  if (db)
    watch.emplace(*db, o.consumer, o.events);
  auto r = send_all(endpoint, timed.requests, o.connections);
  const long applied_when_sent = watch ? watch->applied() : 0;
  const double p50 = quantile_ms(r.latencies_ns, 0.50);
  const double p99 = quantile_ms(r.latencies_ns, 0.99);
  std::printf("http events=%ld accepted=%ld rejected=%ld failed=%ld seconds=%.3f rate=%.0f "
              "p50_ms=%.3f p99_ms=%.3f body_bytes=%zu connections=%ld\n",
              r.events, r.accepted, r.rejected, r.failed, r.seconds(),
              static_cast<double>(r.accepted) / r.seconds(), p50, p99, timed.body_bytes,
              std::min(o.connections, o.events));
  std::fflush(stdout);
  if (watch && r.accepted != r.events)
    watch->stop();
  check_all_accepted(r, "the run");
  if (!watch)
    return 0;

  watch->deadline(r.end + std::chrono::seconds{o.timeout_seconds});
  const auto reached = watch->wait();
  if (!reached)
    fail("the run's events were not all applied");
  const double seconds = seconds_between(r.start, *reached);
  const auto [queued_p50, queued_p99] = queued_ms(*db, o.consumer, "evt_" + run_prefix);
  std::printf("applied events=%ld seconds=%.3f rate=%.0f applied_when_sent=%ld "
              "queued_p50_ms=%.1f queued_p99_ms=%.1f\n",
              o.events, seconds, static_cast<double>(o.events) / seconds, applied_when_sent,
              queued_p50, queued_p99);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "webhook_load: " << e.what() << "\n";
    return 1;
  }
}
