#include "actors/webhooks/sender.hpp"

#include "actors/tick_loop.hpp"
#include "config/log.hpp"
#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"
#include "messages/event_envelope.hpp"

#include <caf/event_based_actor.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/notification>
#include <pqxx/result>
#include <pqxx/transaction>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace gh::webhooks {

namespace {

using sys_clock = std::chrono::system_clock;
using std::chrono::milliseconds;

/// Wakes `await_notification` when deliveries become due.
class due_listener final : public pqxx::notification_receiver {
public:
  explicit due_listener(pqxx::connection_base& conn)
      : pqxx::notification_receiver(conn, notify_channel) {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override {}
};

/// A claimed delivery, and later how its attempt went.
struct job {
  std::string delivery_id;
  std::string endpoint_id;
  int attempts_before = 0;
  outbound out;
  attempt_result result;
};

/// Microseconds since the epoch of `t`, for `timestamptz` parameters without time zone games.
std::string micros_of(sys_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

constexpr const char* at_micros = "(timestamptz 'epoch' + $1::bigint * interval '1 microsecond')";

std::string host_header(const endpoint_url& u) {
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  if (u.port != (u.tls ? "443" : "80"))
    host += ":" + u.port;
  return host;
}

} // namespace

std::string seal_context(const std::string& endpoint_id) {
  return "webhook-endpoint:" + endpoint_id;
}

attempt_result deliver_once(const outbound& out, const attempt_options& options,
                            const http_out::tls_context& tls) {
  const auto started = std::chrono::steady_clock::now();
  attempt_result r;
  const auto finish = [&](std::string error) {
    r.error = std::move(error);
    r.took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    return r;
  };
  auto parsed = parse_endpoint_url(out.url, options.policy);
  if (auto* problem = std::get_if<std::string>(&parsed))
    return finish("the URL " + *problem);
  const auto& url = std::get<endpoint_url>(parsed);
  // The addresses are checked here, at each attempt (a name may point elsewhere since it was
  // registered), and the connection goes to exactly those: no second lookup.
  const auto resolved = resolve_checked(url, options.policy);
  if (!resolved.problem.empty())
    return finish("the URL " + resolved.problem);
  const auto left = [&] {
    const auto spent = std::chrono::steady_clock::now() - started;
    return std::max(milliseconds{1},
                    options.timeout - std::chrono::duration_cast<milliseconds>(spent));
  };
  http_out::connection conn{url.tls ? &tls : nullptr, url.host};
  if (const auto failed = conn.open(resolved.addresses, url.port, left()); !failed.empty())
    return finish(failed == "connect" ? "could not connect" : failed + " failed");
  http_out::request req{"POST", url.target, {}, out.body};
  req.headers = {{"Host", host_header(url)},
                 {"Content-Type", "application/json"},
                 {"User-Agent", "Gatehouse-Webhooks"},
                 {"webhook-id", out.id},
                 {"webhook-timestamp", std::to_string(out.timestamp)},
                 {"webhook-signature",
                  standard_webhooks::signature_header(out.keys, out.id, out.timestamp, out.body)},
                 {"Connection", "close"}};
  http_out::limits lim;
  lim.timeout = left();
  lim.max_body = options.max_response_bytes;
  lim.truncate_body = true;
  const auto res = conn.exchange(req, lim);
  r.status = res.status;
  if (!res.error.empty())
    return finish(res.error == "timeout" ? "no answer within the timeout" : res.error + " failed");
  if (res.status < 200 || res.status >= 300)
    return finish("answered HTTP " + std::to_string(res.status));
  return finish({});
}

namespace {

/// The worker's state: its PostgreSQL connection, the sender threads and their queues.
class sender_loop {
public:
  explicit sender_loop(sender_options options) : opt_(std::move(options)) {
    if (!opt_.now)
      opt_.now = [] { return sys_clock::now(); };
    for (std::size_t i = 0; i < std::max<std::size_t>(1, opt_.concurrency); ++i)
      threads_.emplace_back([this] { run_sender(); });
  }

  ~sender_loop() {
    std::deque<job> unstarted;
    {
      std::lock_guard guard{mutex_};
      stopping_ = true;
      unstarted.swap(queue_);
    }
    work_cv_.notify_all();
    for (auto& t : threads_)
      t.join();
    // What finished is recorded; what never started is handed back at once.
    try {
      ensure_database();
      auto finished = take_finished();
      record(finished);
      pqxx::work tx{*conn_};
      for (const auto& j : unstarted)
        tx.exec_params0("UPDATE webhook_deliveries SET lease_until = NULL WHERE id = $1::uuid",
                        j.delivery_id);
      tx.commit();
    } catch (const std::exception&) {
      // Their leases run out by themselves; at least once, never lost.
    }
  }

  sender_loop(const sender_loop&) = delete;
  sender_loop& operator=(const sender_loop&) = delete;

  void step() {
    try {
      ensure_database();
      auto finished = take_finished();
      in_flight_ -= finished.size();
      record(finished);
      if (in_flight_ < opt_.concurrency)
        in_flight_ += claim(opt_.concurrency - in_flight_);
      refresh_backlog();
      if (in_flight_ > 0) {
        std::unique_lock lock{mutex_};
        done_cv_.wait_for(lock, milliseconds{100}, [this] { return !done_.empty(); });
        lock.unlock();
        conn_->get_notifs();
      } else {
        conn_->await_notification(0, static_cast<long>(opt_.idle_wait.count() * 1000));
      }
    } catch (const std::exception& e) {
      log::warn("the webhook sender lost PostgreSQL; retrying", {{"error", e.what()}});
      listener_.reset();
      conn_.reset();
      std::this_thread::sleep_for(opt_.idle_wait);
    }
  }

private:
  void ensure_database() {
    if (conn_ && conn_->is_open())
      return;
    listener_.reset();
    conn_ = std::make_unique<pqxx::connection>(opt_.database_url.reveal());
    listener_ = std::make_unique<due_listener>(*conn_);
  }

  /// Leases up to `free` due deliveries, at most `per_endpoint` in flight per endpoint, and
  /// queues them for the sender threads; how many were queued.
  std::size_t claim(std::size_t free) {
    const auto now = opt_.now();
    pqxx::work tx{*conn_};
    const auto rows = tx.exec_params(
        std::string{"WITH busy AS (SELECT endpoint_id, count(*) AS n FROM webhook_deliveries "
                    "WHERE status = 'pending' AND lease_until > "} +
            at_micros +
            " GROUP BY endpoint_id), "
            "due AS (SELECT d.id, d.endpoint_id, row_number() OVER (PARTITION BY d.endpoint_id "
            "ORDER BY d.next_attempt_at, d.id) AS rn FROM (SELECT id, endpoint_id, "
            "next_attempt_at FROM webhook_deliveries WHERE status = 'pending' AND "
            "next_attempt_at <= " +
            at_micros + " AND (lease_until IS NULL OR lease_until <= " + at_micros +
            ") ORDER BY next_attempt_at LIMIT 2000) d JOIN webhook_endpoints e ON e.id = "
            "d.endpoint_id AND e.enabled), "
            "picked AS (SELECT due.id FROM due LEFT JOIN busy b ON b.endpoint_id = due.endpoint_id "
            "WHERE due.rn + coalesce(b.n, 0) <= $3 ORDER BY due.rn LIMIT $2) "
            "UPDATE webhook_deliveries d SET lease_until = " +
            at_micros +
            " + make_interval(secs => $4) FROM picked, webhook_endpoints e WHERE d.id = picked.id "
            "AND e.id = d.endpoint_id AND e.enabled AND d.status = 'pending' AND (d.lease_until "
            "IS NULL OR d.lease_until <= " +
            at_micros +
            ") RETURNING d.id::text, e.id::text, d.event_id::text, d.payload, d.attempts, e.url, "
            "e.secret_sealed, CASE WHEN e.previous_secret_until > " +
            at_micros + " THEN e.previous_secret_sealed END",
        micros_of(now), static_cast<int64_t>(free), static_cast<int64_t>(opt_.per_endpoint),
        static_cast<int64_t>(opt_.lease.count()));
    tx.commit();
    std::vector<job> jobs;
    for (const auto& row : rows) {
      job j;
      j.delivery_id = row[0].c_str();
      j.endpoint_id = row[1].c_str();
      j.out.id = row[2].c_str();
      j.out.body = row[3].c_str();
      j.attempts_before = row[4].as<int>();
      j.out.url = row[5].c_str();
      for (const int column : {6, 7}) {
        if (row[column].is_null())
          continue;
        const auto secret =
            crypto::open(opt_.seal_key, row[column].c_str(), seal_context(j.endpoint_id));
        if (auto key = secret ? standard_webhooks::secret_key(*secret) : std::nullopt)
          j.out.keys.push_back(std::move(*key));
      }
      jobs.push_back(std::move(j));
    }
    {
      std::lock_guard guard{mutex_};
      for (auto& j : jobs)
        queue_.push_back(std::move(j));
    }
    work_cv_.notify_all();
    return rows.size();
  }

  /// Records the outcome of every finished attempt in one transaction.
  void record(const std::vector<job>& finished) {
    if (finished.empty())
      return;
    const auto now = opt_.now();
    pqxx::work tx{*conn_};
    for (const auto& j : finished) {
      const int attempts = j.attempts_before + 1;
      const auto state = after_attempt(attempts, j.result.ok(), now);
      if (opt_.stats != nullptr)
        opt_.stats->observe(j.result, state);
      std::vector<std::optional<std::string>> p{
          j.delivery_id, std::to_string(attempts),         state.status, std::nullopt, std::nullopt,
          std::nullopt,  std::to_string(j.attempts_before)};
      if (j.result.status != 0)
        p[3] = std::to_string(j.result.status);
      if (!j.result.error.empty())
        p[4] = j.result.error.substr(0, 500);
      if (state.next_attempt_at)
        p[5] = micros_of(*state.next_attempt_at);
      std::vector<const char*> values;
      values.reserve(p.size());
      for (const auto& v : p)
        values.push_back(v ? v->c_str() : nullptr);
      // A deletion meanwhile wins, and only the attempt this lease made counts.
      tx.exec_params(
          "UPDATE webhook_deliveries SET attempts = $2::int, status = $3, last_status = $4::int, "
          "last_error = $5, next_attempt_at = CASE WHEN $6::bigint IS NULL THEN NULL ELSE "
          "timestamptz 'epoch' + $6::bigint * interval '1 microsecond' END, lease_until = NULL, "
          "updated_at = now() WHERE id = $1::uuid AND status = 'pending' AND attempts = $7::int",
          pqxx::prepare::make_dynamic_params(values));
    }
    tx.commit();
  }

  /// Every 5 s, the pending deliveries per endpoint for the metrics.
  void refresh_backlog() {
    if (opt_.stats == nullptr)
      return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_backlog_ < std::chrono::seconds{5})
      return;
    last_backlog_ = now;
    pqxx::nontransaction q{*conn_};
    std::map<std::string, int64_t> backlog;
    for (const auto& row : q.exec("SELECT endpoint_id::text, count(*) FROM webhook_deliveries "
                                  "WHERE status = 'pending' GROUP BY endpoint_id LIMIT 1000"))
      backlog.emplace(row[0].c_str(), row[1].as<int64_t>());
    opt_.stats->set_backlog(std::move(backlog));
  }

  std::vector<job> take_finished() {
    std::lock_guard guard{mutex_};
    std::vector<job> out;
    out.swap(done_);
    return out;
  }

  void run_sender() {
    while (true) {
      job j;
      {
        std::unique_lock lock{mutex_};
        work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty())
          return;
        j = std::move(queue_.front());
        queue_.pop_front();
      }
      j.out.timestamp =
          std::chrono::duration_cast<std::chrono::seconds>(opt_.now().time_since_epoch()).count();
      try {
        j.result = deliver_once(j.out, opt_.attempt, tls_);
      } catch (const std::exception&) {
        j.result.error = "could not send";
      }
      {
        std::lock_guard guard{mutex_};
        done_.push_back(std::move(j));
      }
      done_cv_.notify_one();
    }
  }

  sender_options opt_;
  http_out::tls_context tls_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<due_listener> listener_;
  std::size_t in_flight_ = 0;
  std::chrono::steady_clock::time_point last_backlog_{};
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<job> queue_;
  std::vector<job> done_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

caf::behavior sender_impl(caf::event_based_actor* self, const sender_options& options) {
  return tick_loop<sender_loop>(self, options);
}

} // namespace

caf::actor spawn_sender(caf::actor_system& sys, sender_options options) {
  return sys.spawn<caf::detached>(sender_impl, std::move(options));
}

} // namespace gh::webhooks
