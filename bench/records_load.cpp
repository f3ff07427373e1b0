// Load client of bench/records.sh: the statements Gatehouse runs for a record, sent straight to
// PostgreSQL with libpqxx, so the gateway's own cost shows beside it as a ratio.
//
//   records_load create|read --database-url URL --users FILE --seconds S [--connections C]
//                [--record ID]
//
// `create`: each of C threads, with a connection of its own, runs what POST
// /api/v1/collections/bench/records runs, one transaction after another for S seconds: BEGIN;
// the tenant entry (SET LOCAL ROLE gatehouse_tenant and the caller, as tenancy::enter); the
// record's INSERT (actors/records/record_sql.hpp, the same text Gatehouse sends); the outbox
// row of `record.created` (as actors/outbox.cpp writes it); the audit row (as actors/audit.cpp
// writes it); COMMIT. The callers rotate over the users of FILE (one user id per line), as the
// wrk script rotates their tokens. `read`: what GET .../records/{id} runs for record ID of the
// first user: BEGIN; the entry; the SELECT; COMMIT. Each statement is prepared once per
// connection and each execution planned for its values, as Gatehouse's work_transaction does
// (persistence/postgres/pg_database.cpp).
//
// Prints one line: `ops=N seconds=S rate=OPS_PER_SECOND p50_ms=X p99_ms=Y errors=E`.
#include "../actors/records/record_sql.hpp"
#include "load_cli.hpp"

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* tenant = "00000000-0000-0000-0000-000000000001";
constexpr const char* data = R"({"title":"bench","n":1,"tags":["a","b"]})";

// tenancy::enter_sql, actors/outbox.cpp and actors/audit.cpp, word for word.
constexpr const char* enter_sql =
    "SELECT set_config('role', 'gatehouse_tenant', true), set_config('app.user_id', $1, true), "
    "set_config('app.tenant_id', $2, true), set_config('app.org_id', $3, true)";
constexpr const char* outbox_sql = "INSERT INTO outbox (id, subject, tenant_id, payload) "
                                   "VALUES ($1::uuid, $2, $3::uuid, $4::jsonb)";
constexpr const char* audit_sql =
    "INSERT INTO audit_log (tenant_id, actor, action, target, ip, user_agent, request_id, "
    "details) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb)";

struct options {
  std::string mode;
  std::string url;
  std::vector<std::string> users;
  long seconds = 10;
  long connections = 4;
  std::string record;
};

std::string uuid(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      out += '-';
    int nibble = static_cast<int>(rng() & 15U);
    if (i == 12)
      nibble = 4;
    if (i == 16)
      nibble = 8 | (nibble & 3);
    out += hex[nibble];
  }
  return out;
}

/// One create, as Gatehouse's records actor runs it.
void create(pqxx::connection& conn, const std::string& user, std::mt19937_64& rng) {
  const auto id = uuid(rng);
  const auto event = uuid(rng);
  pqxx::work tx{conn};
  tx.exec_prepared("enter", user, tenant, "");
  tx.exec_prepared("insert", id, user, static_cast<const char*>(nullptr), "bench", data);
  const std::string details = R"({"collection":"bench"})";
  tx.exec_prepared("audit", tenant, user, "record.created", id, "127.0.0.1", "records_load",
                   uuid(rng), details);
  const std::string payload =
      R"({"id":")" + event +
      R"(","type":"record.created","occurred_at":"2026-12-01T00:00:00.000Z",)"
      R"("tenant_id":")" +
      tenant + R"(","data":{"collection":"bench","record_id":")" + id + R"(","owner_id":")" + user +
      R"(","version":1}})";
  tx.exec_prepared("outbox", event, "record.created", tenant, payload);
  tx.commit();
}

/// One read by id, as Gatehouse's records actor runs it.
void read(pqxx::connection& conn, const std::string& user, const std::string& record) {
  pqxx::work tx{conn};
  tx.exec_prepared("enter", user, tenant, "");
  const auto rows = tx.exec_prepared("select_one", record, "bench");
  if (rows.size() != 1)
    bench::fail("the record to read is not there for its owner");
  tx.commit();
}

options parse(int argc, char** argv) {
  options o;
  if (argc < 2)
    bench::fail("usage: records_load create|read --database-url URL --users FILE --seconds S");
  o.mode = argv[1];
  if (o.mode != "create" && o.mode != "read")
    bench::fail("the mode is create or read");
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--database-url") {
      o.url = value;
    } else if (flag == "--users") {
      std::ifstream in{value};
      for (std::string line; std::getline(in, line);)
        if (!line.empty())
          o.users.push_back(line);
    } else if (flag == "--seconds") {
      o.seconds = bench::number_flag(flag, value, 1);
    } else if (flag == "--connections") {
      o.connections = bench::number_flag(flag, value, 1);
    } else if (flag == "--record") {
      o.record = value;
    } else {
      bench::fail("unknown flag " + flag);
    }
  }
  if (o.url.empty() || o.users.empty())
    bench::fail("--database-url and --users (a file of user ids) are required");
  if (o.mode == "read" && o.record.empty())
    bench::fail("read needs --record");
  return o;
}

} // namespace

int main(int argc, char** argv) try {
  const auto o = parse(argc, argv);
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(o.connections));
  std::vector<std::unique_ptr<pqxx::connection>> conns;
  for (long i = 0; i < o.connections; ++i) {
    auto& conn = *conns.emplace_back(std::make_unique<pqxx::connection>(o.url));
    pqxx::nontransaction{conn}.exec0("SET plan_cache_mode = force_custom_plan");
    conn.prepare("enter", enter_sql);
    conn.prepare("insert", gh::records::sql::insert());
    conn.prepare("audit", audit_sql);
    conn.prepare("outbox", outbox_sql);
    conn.prepare("select_one", gh::records::sql::select_one(false));
  }
  const auto start = clock_type::now();
  const auto deadline = start + std::chrono::seconds{o.seconds};
  std::vector<std::thread> threads;
  for (long t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng{std::random_device{}() + static_cast<uint64_t>(t)};
      auto& conn = *conns[static_cast<std::size_t>(t)];
      auto& mine = latencies[static_cast<std::size_t>(t)];
      for (std::size_t n = static_cast<std::size_t>(t); clock_type::now() < deadline; ++n) {
        const auto begun = clock_type::now();
        try {
          if (o.mode == "create")
            create(conn, o.users[n % o.users.size()], rng);
          else
            read(conn, o.users.front(), o.record);
          mine.push_back(
              std::chrono::duration<double, std::milli>(clock_type::now() - begun).count());
        } catch (const std::exception& e) {
          if (errors.fetch_add(1) == 0)
            std::cerr << "records_load: " << e.what() << "\n";
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies)
    all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto at = [&](double q) {
    return all.empty() ? 0.0
                       : all[std::min(all.size() - 1, static_cast<std::size_t>(q * all.size()))];
  };
  std::printf("ops=%zu seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f errors=%ld\n", all.size(),
              seconds, static_cast<double>(all.size()) / seconds, at(0.5), at(0.99), errors.load());
  return errors.load() == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "records_load: " << e.what() << "\n";
  return 1;
}
