// Load client of bench/events.sh. Two measurements, one per mode:
//
//   event_load raw    [--events N] [--warmup N] [--timeout S]
//     The reference: a plain nats.c client publishes N ~300-byte JSON envelopes to a throwaway
//     JetStream stream BENCH (subject bench.raw, file storage, the same 120 s duplicate window
//     as Gatehouse's streams) with js_PublishAsync, a unique Nats-Msg-Id per message and at most
//     512 publishes in flight (the relay's own limit), then waits with js_PublishAsyncComplete.
//     The clock runs from the first publish to the last acknowledgement; the stream is checked
//     to hold every message and deleted afterwards. Uses NATS_URL.
//
//   event_load outbox [--events N] [--warmup N] [--batch ROWS] [--timeout S]
//     Gatehouse end to end: inserts N `user.created` envelopes of phone-only users (nothing to
//     do beyond recording the event) into the outbox table, ROWS per transaction, each
//     transaction one INSERT ... SELECT over generate_series. The clock starts before the first
//     insert and stops when every event id of the run is in processed_events for the consumer
//     `welcome`, that is, after the outbox relay published it to JetStream and the worker
//     handled it (the worker acknowledges right after that commit). Sees the end within 50 ms;
//     fails when not all events arrive within the timeout. Uses DATABASE_URL.
//
// Both modes first run --warmup events (not timed) and print one line to stdout:
//   events=N seconds=S rate=EVENTS_PER_SECOND bytes=PAYLOAD_BYTES
// and for outbox also inserted_seconds=S published_seconds=S (from the first insert).
// Progress and errors go to stderr; the exit status is 0 only when every event made it.
#include "load_cli.hpp"

#include <nats/nats.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using bench::fail;

using clock_type = std::chrono::steady_clock;

constexpr const char* default_tenant = "00000000-0000-0000-0000-000000000001";
constexpr const char* occurred_at = "2026-11-23T10:00:00Z";
constexpr const char* phone = "+4915112345678";
constexpr const char* consumer = "welcome";
constexpr const char* raw_stream = "BENCH";
constexpr const char* raw_subject = "bench.raw";
constexpr std::size_t raw_payload_bytes = 300;
constexpr int64_t raw_max_pending = 512;
constexpr int64_t nanos_per_second = 1000000000LL;

struct options {
  std::string mode;
  long events = 20000;
  long warmup = -1; // -1: the mode's default
  long batch = 5000;
  long timeout_seconds = 120;
};

struct result {
  long events = 0;
  double seconds = 0;
  std::size_t payload_bytes = 0;
  std::optional<double> inserted_seconds;
  std::optional<double> published_seconds;
};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::string env_or_fail(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    fail(std::string{name} + " is not set");
  return value;
}

options parse(int argc, char** argv) {
  if (argc < 2)
    fail("usage: event_load raw|outbox [--events N] [--warmup N] [--batch ROWS] [--timeout S]");
  options o;
  o.mode = argv[1];
  if (o.mode != "raw" && o.mode != "outbox")
    fail("unknown mode '" + o.mode + "': raw or outbox");
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc)
      fail(std::string{flag} + " needs a value");
    const char* value = argv[++i];
    if (flag == "--events")
      o.events = bench::number_flag(flag, value, 1);
    else if (flag == "--warmup")
      o.warmup = bench::number_flag(flag, value, 0);
    else if (flag == "--batch")
      o.batch = bench::number_flag(flag, value, 1);
    else if (flag == "--timeout")
      o.timeout_seconds = bench::number_flag(flag, value, 1);
    else
      fail("unknown option " + std::string{flag});
  }
  return o;
}

/// Random version-4 UUIDs in text form.
class uuid_source {
public:
  uuid_source() : rng_(std::random_device{}()) {}

  std::string next() {
    const uint64_t hi = (rng_() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    const uint64_t lo = (rng_() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                  static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xffffffffffffULL));
    return buf;
  }

private:
  std::mt19937_64 rng_;
};

// --- raw: a plain nats.c client publishing to JetStream -----------------------------------

void check(natsStatus status, const char* what) {
  if (status != NATS_OK)
    fail(std::string{what} + ": " + natsStatus_GetText(status));
}

std::atomic<long> publish_errors{0};

void on_publish_error(jsCtx*, jsPubAckErr* pae, void*) {
  if (publish_errors.fetch_add(1) == 0)
    std::cerr << "event_load: publish refused: "
              << (pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err)) << "\n";
}

/// The envelope Gatehouse would publish for a phone-only user, padded to 300 bytes.
std::string raw_payload(uuid_source& uuids, const std::string& id) {
  std::string body = R"({"id":")" + id + R"(","type":"user.created","occurred_at":")" +
                     occurred_at + R"(","tenant_id":")" + default_tenant +
                     R"(","data":{"user_id":")" + uuids.next() + R"(","phone":")" + phone +
                     R"(","note":")";
  const std::string tail = R"("}})";
  body.append(raw_payload_bytes - body.size() - tail.size(), 'x');
  return body + tail;
}

/// The BENCH stream for one run; deleted when this goes out of scope.
class bench_stream {
public:
  explicit bench_stream(jsCtx* js) : js_(js) {
    js_DeleteStream(js_, raw_stream, nullptr, nullptr); // left over by a killed run
    const char* subjects[] = {raw_subject};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = raw_stream;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_LimitsPolicy;
    cfg.Duplicates = 120 * nanos_per_second;
    jsStreamInfo* info = nullptr;
    check(js_AddStream(&info, js_, &cfg, nullptr, nullptr), "cannot create the BENCH stream");
    jsStreamInfo_Destroy(info);
  }

  ~bench_stream() { js_DeleteStream(js_, raw_stream, nullptr, nullptr); }

  bench_stream(const bench_stream&) = delete;
  bench_stream& operator=(const bench_stream&) = delete;

  uint64_t messages() const {
    jsStreamInfo* info = nullptr;
    check(js_GetStreamInfo(&info, js_, raw_stream, nullptr, nullptr),
          "cannot read the BENCH stream");
    const uint64_t n = info->State.Msgs;
    jsStreamInfo_Destroy(info);
    return n;
  }

private:
  jsCtx* js_;
};

/// Publishes `ids.size()` messages and waits for every acknowledgement; the seconds it took.
double publish_all(jsCtx* js, const std::vector<std::string>& ids,
                   const std::vector<std::string>& payloads, long timeout_seconds) {
  const auto start = clock_type::now();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = ids[i].c_str();
    check(js_PublishAsync(js, raw_subject, payloads[i].data(), static_cast<int>(payloads[i].size()),
                          &po),
          "js_PublishAsync");
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = timeout_seconds * 1000;
  check(js_PublishAsyncComplete(js, &wait), "js_PublishAsyncComplete");
  return seconds_since(start);
}

result run_raw(const options& o) {
  const auto url = env_or_fail("NATS_URL");
  const long warmup = o.warmup < 0 ? 1000 : o.warmup;
  uuid_source uuids;
  // Everything a message needs is made before the clock starts.
  std::vector<std::string> ids, payloads;
  for (long i = 0; i < warmup + o.events; ++i) {
    ids.push_back(uuids.next());
    payloads.push_back(raw_payload(uuids, ids.back()));
  }
  const std::vector<std::string> warm_ids(ids.begin(), ids.begin() + warmup);
  const std::vector<std::string> warm_payloads(payloads.begin(), payloads.begin() + warmup);
  ids.erase(ids.begin(), ids.begin() + warmup);
  payloads.erase(payloads.begin(), payloads.begin() + warmup);

  natsConnection* nc = nullptr;
  check(natsConnection_ConnectTo(&nc, url.c_str()), "cannot connect to NATS");
  jsCtx* js = nullptr;
  result r;
  try {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    jo.PublishAsync.MaxPending = raw_max_pending;
    jo.PublishAsync.StallWait = o.timeout_seconds * 1000;
    jo.PublishAsync.ErrHandler = &on_publish_error;
    check(natsConnection_JetStream(&js, nc, &jo), "cannot open JetStream");
    {
      bench_stream stream{js};
      if (warmup > 0)
        publish_all(js, warm_ids, warm_payloads, o.timeout_seconds);
      r.seconds = publish_all(js, ids, payloads, o.timeout_seconds);
      if (publish_errors.load() > 0)
        fail(std::to_string(publish_errors.load()) + " publishes refused");
      const auto stored = stream.messages();
      if (stored != static_cast<uint64_t>(warmup + o.events))
        fail("BENCH holds " + std::to_string(stored) + " messages, not " +
             std::to_string(warmup + o.events));
    }
  } catch (...) {
    if (js != nullptr)
      jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    throw;
  }
  jsCtx_Destroy(js);
  natsConnection_Close(nc);
  natsConnection_Destroy(nc);
  r.events = o.events;
  r.payload_bytes = raw_payload_bytes;
  return r;
}

// --- outbox: Gatehouse from outbox insert to worker acknowledgement ----------------------

/// One statement: `$1` envelopes of phone-only users into the outbox, their ids into the
/// session's `bench_run` table (a temporary table: nothing of it reaches the WAL).
constexpr const char* insert_sql = R"(
WITH ins AS (
  INSERT INTO outbox (id, subject, tenant_id, payload)
  SELECT e.id, $2::text, $3::uuid,
         jsonb_build_object('id', e.id, 'type', $2::text, 'occurred_at', $4::text,
                            'tenant_id', $3::text,
                            'data', jsonb_build_object('user_id', gen_random_uuid(),
                                                       'phone', $5::text))
  FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $1::int)) AS e
  RETURNING id)
INSERT INTO bench_run (id) SELECT id FROM ins)";

/// The run's events the consumer has recorded.
constexpr const char* processed_sql = "SELECT count(*) FROM bench_run r JOIN processed_events p "
                                      "ON p.consumer = $1 AND p.event_id = r.id";

/// The run's events still waiting for the relay (few: the scan uses outbox_unpublished).
constexpr const char* unpublished_sql =
    "SELECT count(*) FROM outbox o WHERE o.published_at IS NULL "
    "AND o.id IN (SELECT id FROM bench_run)";

long count(pqxx::connection& conn, const char* sql, bool with_consumer) {
  pqxx::nontransaction q{conn};
  const auto r = with_consumer ? q.exec_params(sql, consumer) : q.exec(sql);
  return r[0][0].as<long>();
}

/// When to count the handled events again: after half the time the rest should take at the
/// rate so far, between 50 ms and 1 s. One count joins all the run's ids (~12 ms for 20000),
/// so counting every 50 ms throughout would load PostgreSQL beside the pipeline it measures;
/// the end is still seen within 50 ms. (Counting the unpublished ones is an index scan over the
/// few rows left: that one runs every 50 ms.)
std::chrono::milliseconds next_look(long done, long total, double elapsed) {
  using std::chrono::milliseconds;
  if (done <= 0)
    return milliseconds{200};
  const double rest = static_cast<double>(total - done) * elapsed / static_cast<double>(done);
  return std::clamp(milliseconds{static_cast<long>(rest * 500)}, milliseconds{50},
                    milliseconds{1000});
}

/// Inserts `events` rows, `batch` per transaction, and waits until the worker recorded them
/// all; the seconds from the first insert to that point.
result pass(pqxx::connection& conn, long events, long batch, long timeout_seconds) {
  {
    pqxx::nontransaction q{conn};
    q.exec("TRUNCATE bench_run");
  }
  result r;
  r.events = events;
  const auto start = clock_type::now();
  for (long done = 0; done < events;) {
    const long rows = std::min(batch, events - done);
    pqxx::work tx{conn};
    tx.exec_params(insert_sql, rows, "user.created", default_tenant, occurred_at, phone);
    tx.commit();
    done += rows;
  }
  r.inserted_seconds = seconds_since(start);
  const auto deadline = start + std::chrono::seconds{timeout_seconds};
  auto last_report = clock_type::now();
  for (;;) {
    if (!r.published_seconds && count(conn, unpublished_sql, false) == 0)
      r.published_seconds = seconds_since(start);
    const long processed = r.published_seconds ? count(conn, processed_sql, true) : 0;
    if (processed >= events) {
      r.seconds = seconds_since(start);
      break;
    }
    if (clock_type::now() > deadline) {
      const long waiting = count(conn, unpublished_sql, false);
      fail("only " + std::to_string(count(conn, processed_sql, true)) + " of " +
           std::to_string(events) + " events acknowledged by '" + consumer + "' after " +
           std::to_string(timeout_seconds) + " s (" + std::to_string(waiting) +
           " still unpublished in the outbox; see gatehouse's log)");
    }
    if (clock_type::now() - last_report > std::chrono::seconds{5}) {
      last_report = clock_type::now();
      std::cerr << "event_load: after " << static_cast<int>(seconds_since(start)) << " s: "
                << (r.published_seconds
                        ? std::to_string(processed) + " of " + std::to_string(events) + " handled"
                        : "the relay is still publishing")
                << "\n";
    }
    std::this_thread::sleep_for(r.published_seconds
                                    ? next_look(processed, events, seconds_since(start))
                                    : std::chrono::milliseconds{50});
  }
  return r;
}

result run_outbox(const options& o) {
  pqxx::connection conn{env_or_fail("DATABASE_URL")};
  {
    pqxx::nontransaction q{conn};
    q.exec("CREATE TEMP TABLE bench_run (id uuid PRIMARY KEY)");
  }
  const long warmup = o.warmup < 0 ? 200 : o.warmup;
  if (warmup > 0)
    pass(conn, warmup, o.batch, o.timeout_seconds);
  auto r = pass(conn, o.events, o.batch, o.timeout_seconds);
  pqxx::nontransaction q{conn};
  r.payload_bytes = q.exec("SELECT avg(octet_length(o.payload::text))::bigint FROM outbox o "
                           "JOIN bench_run r USING (id)")[0][0]
                        .as<std::size_t>();
  return r;
}

} // namespace

int main(int argc, char** argv) {
  int status = 0;
  try {
    const auto o = parse(argc, argv);
    const auto r = o.mode == "raw" ? run_raw(o) : run_outbox(o);
    std::printf("events=%ld seconds=%.3f rate=%.0f bytes=%zu", r.events, r.seconds,
                static_cast<double>(r.events) / r.seconds, r.payload_bytes);
    if (r.inserted_seconds)
      std::printf(" inserted_seconds=%.3f", *r.inserted_seconds);
    if (r.published_seconds)
      std::printf(" published_seconds=%.3f", *r.published_seconds);
    std::printf("\n");
  } catch (const std::exception& e) {
    std::cerr << "event_load: " << e.what() << "\n";
    status = 1;
  }
  nats_Close();
  return status;
}
