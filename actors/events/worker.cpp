#include "actors/events/worker.hpp"

#include "actors/events/dead_letters.hpp"
#include "actors/events/pull.hpp"
#include "actors/tick_loop.hpp"
#include "config/log.hpp"
#include "messages/type_ids.hpp"
#include "persistence/postgres/pg_database.hpp"

#include <caf/event_based_actor.hpp>
#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <thread>

namespace gh::events {

namespace {

constexpr int64_t nanos_per_milli = 1000000;

/// The `db::transaction` a handler sees: it opens a savepoint before its first statement
/// (explicit SQL: libpqxx 6's subtransaction opens none under `exec_params`), so a handler
/// that runs no SQL costs no round trip.
class lazy_savepoint final : public db::transaction {
public:
  explicit lazy_savepoint(pqxx::work& tx) : tx_(tx), inner_(tx) {}

  db::rows exec(std::string_view sql, const std::vector<db::param>& params) override {
    if (!opened_) {
      tx_.exec0("SAVEPOINT gh_event");
      opened_ = true;
    }
    return inner_.exec(sql, params);
  }

  bool opened() const noexcept { return opened_; }

private:
  pqxx::work& tx_;
  pg::work_transaction inner_;
  bool opened_ = false;
};

/// A fetched message on its way through a batch.
struct pending_event {
  natsMsg* msg; ///< Owned by the fetched batch.
  delivery_info info;
  event_envelope event;
  handled result;
  bool duplicate;
  bool database_failed = false; ///< Lost to the database, not to the handler: never buried.
};

class worker {
public:
  worker(worker_options options, consumer_spec spec)
      : opt_(std::move(options)), spec_(std::move(spec)),
        stats_(opt_.stats != nullptr ? &opt_.stats->consumer(spec_.name) : nullptr) {}

  ~worker() {
    pull_.reset(); // the inbox only: the durable consumer stays
    if (js_ != nullptr)
      jsCtx_Destroy(js_);
  }

  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void step() {
    // Nothing is fetched while PostgreSQL is away: fetched messages would only burn deliveries.
    if (!database_ready() || !ensure_subscription()) {
      std::this_thread::sleep_for(opt_.fetch_wait);
      return;
    }
    std::vector<owned_msg> fetched;
    const auto status = pull_->fetch(fetched, spec_.batch, opt_.fetch_wait);
    if (status == NATS_TIMEOUT) {
      fetch_errors_ = 0;
      if (stats_ != nullptr)
        stats_->pending.store(0, std::memory_order_relaxed);
      return;
    }
    if (status != NATS_OK) {
      // The consumer may be gone (deleted by an operator) or the subscription broken:
      // subscribe afresh, which creates the consumer again.
      if (status == NATS_CONNECTION_CLOSED || status == NATS_INVALID_SUBSCRIPTION ||
          ++fetch_errors_ >= 5) {
        pull_.reset();
        fetch_errors_ = 0;
      }
      std::this_thread::sleep_for(opt_.fetch_wait);
      return;
    }
    fetch_errors_ = 0;
    std::vector<pending_event> batch;
    for (auto& m : fetched) {
      if (auto event = admit(m.get()))
        batch.push_back(std::move(*event));
      if (batch.size() >= static_cast<std::size_t>(std::max(1, spec_.per_transaction))) {
        apply(batch);
        batch.clear();
      }
    }
    apply(batch);
  }

private:
  bool ensure_subscription() {
    if (pull_ != nullptr)
      return true;
    if (natsConnection_Status(opt_.nats) != NATS_CONN_STATUS_CONNECTED)
      return false;
    // Before the bus has made the streams, a subscription could only fail: wait quietly.
    if (opt_.streams_ready && !opt_.streams_ready())
      return false;
    if (js_ == nullptr) {
      jsOptions o;
      jsOptions_Init(&o);
      o.Wait = 5000;
      if (natsConnection_JetStream(&js_, opt_.nats, &o) != NATS_OK)
        return false;
    }
    // The consumer is created, or updated to this spec (a newer version may change it), then
    // bound by name, so a changed setting never stops the worker.
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = spec_.name.c_str();
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = static_cast<int64_t>(spec_.ack_wait.count()) * 1000 * nanos_per_milli;
    // Unbounded on the server: the worker dead-letters after `max_deliveries` itself, so a
    // message can never run out of deliveries without reaching the DLQ.
    cc.MaxDeliver = -1;
    cc.FilterSubject = spec_.subject.c_str();
    cc.MaxAckPending = 1000;
    auto err = static_cast<jsErrCode>(0);
    auto status = js_UpdateConsumer(nullptr, js_, spec_.stream.c_str(), &cc, nullptr, &err);
    if (status != NATS_OK)
      status = js_AddConsumer(nullptr, js_, spec_.stream.c_str(), &cc, nullptr, &err);
    if (status == NATS_OK) {
      pull_ = pull_subscription::open(opt_.nats, spec_.stream, spec_.name);
      if (pull_ == nullptr)
        status = NATS_ERR;
    }
    if (status != NATS_OK) {
      if (!warned_)
        log::warn("cannot subscribe a worker; retrying", {{"consumer", spec_.name},
                                                          {"status", natsStatus_GetText(status)},
                                                          {"js_error", static_cast<int>(err)}});
      warned_ = true;
      return false;
    }
    warned_ = false;
    return true;
  }

  /// A well-formed event of this consumer, or nothing when `msg` was dead-lettered instead.
  std::optional<pending_event> admit(natsMsg* msg) {
    delivery_info info;
    if (const auto meta = ack_subject_of(msg)) {
      info.deliveries = meta->delivered;
      info.stream_sequence = meta->stream_sequence;
      if (stats_ != nullptr)
        stats_->pending.store(static_cast<int64_t>(meta->pending), std::memory_order_relaxed);
    }
    const std::string_view body{natsMsg_GetData(msg),
                                static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
    auto decoded = decode_event(body);
    if (auto* error = std::get_if<envelope_error>(&decoded)) {
      bury(msg, info,
           "malformed event: " + (error->field.empty() ? "" : error->field + " ") + error->message);
      return std::nullopt;
    }
    auto& event = std::get<event_envelope>(decoded);
    if (event.type != natsMsg_GetSubject(msg)) {
      bury(msg, info, "event type '" + event.type + "' does not match its subject");
      return std::nullopt;
    }
    return pending_event{msg, info, std::move(event), {}, false};
  }

  /// Applies `batch` in one transaction, each event under its own savepoint together with its
  /// `processed_events` row; then acknowledges what committed and settles the rest.
  void apply(std::vector<pending_event>& batch) {
    if (batch.empty())
      return;
    try {
      ensure_database();
      pqxx::work tx{*conn_};
      claim(tx, batch);
      const auto of_batch = spec_.batch_handler ? spec_.batch_handler() : event_handler{};
      const auto& handler = of_batch ? of_batch : spec_.handler;
      for (auto& p : batch)
        if (!p.duplicate)
          apply_one(tx, p, handler);
      tx.commit();
    } catch (const std::exception&) {
      // Nothing of the batch committed (or the outcome is unknown): all of it comes again, and
      // processed_events makes whatever did commit a no-op then.
      conn_.reset();
      log::warn("a worker lost PostgreSQL; its batch is delivered again",
                {{"consumer", spec_.name}, {"events", batch.size()}});
      for (auto& p : batch) {
        p.duplicate = false;
        p.database_failed = true;
        p.result = {outcome::retry, "database unavailable"};
      }
    }
    for (auto& p : batch)
      settle(p);
  }

  /// Records every event id of `batch` in `processed_events` with one statement; an id that
  /// was there already (or comes twice in the batch) marks its event a duplicate.
  void claim(pqxx::work& tx, std::vector<pending_event>& batch) {
    std::string ids = "{";
    for (const auto& p : batch)
      ids += (ids.size() == 1 ? "" : ",") + p.event.id; // UUIDs, checked by decode_event
    ids += "}";
    const auto claimed =
        tx.exec_params("INSERT INTO processed_events (consumer, event_id) SELECT $1, id FROM "
                       "unnest($2::uuid[]) AS id ON CONFLICT DO NOTHING RETURNING event_id::text",
                       spec_.name, ids);
    std::set<std::string> fresh;
    for (const auto& row : claimed)
      fresh.emplace(row[0].c_str());
    for (auto& p : batch) {
      std::string id = p.event.id;
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      p.duplicate = fresh.erase(id) == 0;
    }
  }

  /// Runs the handler of one claimed event. Its statements run under a savepoint opened before
  /// the first of them; when the handler does not finish, the savepoint is rolled back and the
  /// event's claim removed, so no trace of it stays.
  void apply_one(pqxx::work& tx, pending_event& p, const event_handler& handler) {
    if (spec_.slow)
      in_progress_message(opt_.nats, p.msg); // restarts AckWait for this message
    lazy_savepoint t{tx};
    try {
      p.result = handler(p.event, p.info, t);
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::integrity_constraint_violation& e) {
      // The event names rows that do not exist (or breaks a rule): no retry can apply it. Only
      // the SQLSTATE is kept: PostgreSQL's detail quotes the row, personal data included.
      p.result = {outcome::dead, "refused by the database (SQLSTATE " + e.sqlstate() + ")"};
    } catch (const pqxx::data_exception& e) {
      p.result = {outcome::dead, "refused by the database (SQLSTATE " + e.sqlstate() + ")"};
    } catch (const pqxx::sql_error& e) {
      p.result = {outcome::retry, "database error (SQLSTATE " + e.sqlstate() + ")"};
    } catch (const std::exception& e) {
      p.result = {outcome::retry, std::string{"handler: "} + e.what()};
    }
    if (p.result.result == outcome::done) {
      if (t.opened())
        tx.exec0("RELEASE SAVEPOINT gh_event");
      return;
    }
    if (t.opened())
      tx.exec0("ROLLBACK TO SAVEPOINT gh_event");
    tx.exec_params0("DELETE FROM processed_events WHERE consumer = $1 AND event_id = $2::uuid",
                    spec_.name, p.event.id);
  }

  void settle(pending_event& p) {
    if (p.duplicate) {
      if (stats_ != nullptr)
        stats_->skipped.fetch_add(1, std::memory_order_relaxed);
      ack_message(opt_.nats, p.msg);
      return;
    }
    switch (p.result.result) {
    case outcome::done:
      if (stats_ != nullptr)
        stats_->processed.fetch_add(1, std::memory_order_relaxed);
      // A lost acknowledgement only means a redelivery, which processed_events skips.
      ack_message(opt_.nats, p.msg);
      return;
    case outcome::dead:
      bury(p.msg, p.info, p.result.reason);
      return;
    case outcome::retry:
      if (!p.database_failed && p.info.deliveries >= static_cast<uint64_t>(spec_.max_deliveries)) {
        bury(p.msg, p.info,
             "gave up after " + std::to_string(p.info.deliveries) +
                 " deliveries: " + p.result.reason);
        return;
      }
      if (stats_ != nullptr)
        stats_->retried.fetch_add(1, std::memory_order_relaxed);
      log::warn("event handling failed; it is delivered again", {{"consumer", spec_.name},
                                                                 {"event", p.event.id},
                                                                 {"delivery", p.info.deliveries},
                                                                 {"reason", p.result.reason}});
      nak_message(opt_.nats, p.msg, delay_after(p.info.deliveries));
      return;
    }
  }

  /// Dead-letters `msg` and acknowledges it; when the DLQ is unreachable the message is left
  /// for redelivery instead, so it is never lost.
  void bury(natsMsg* msg, const delivery_info& info, const std::string& reason) {
    log::warn("event dead-lettered",
              {{"consumer", spec_.name}, {"delivery", info.deliveries}, {"reason", reason}});
    if (!dead_letter(js_, msg, {spec_.name, reason, info.deliveries})) {
      nak_message(opt_.nats, msg, delay_after(info.deliveries));
      return;
    }
    if (stats_ != nullptr)
      stats_->dead_lettered.fetch_add(1, std::memory_order_relaxed);
    term_message(opt_.nats, msg);
  }

  std::chrono::milliseconds delay_after(uint64_t deliveries) const {
    if (spec_.backoff.empty())
      return std::chrono::milliseconds{1000};
    const auto i =
        std::min<std::size_t>(deliveries == 0 ? 0 : deliveries - 1, spec_.backoff.size() - 1);
    return spec_.backoff[i];
  }

  bool database_ready() {
    try {
      ensure_database();
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  void ensure_database() {
    if (conn_ && conn_->is_open())
      return;
    try {
      conn_ = std::make_unique<pqxx::connection>(opt_.database_url.reveal());
      pg::prepare_session(*conn_);
    } catch (const std::exception&) {
      conn_.reset();
      // libpq's message may quote the connection string.
      throw std::runtime_error("cannot connect to PostgreSQL");
    }
  }

  worker_options opt_;
  consumer_spec spec_;
  consumer_stats* stats_;
  jsCtx* js_ = nullptr;
  std::unique_ptr<pull_subscription> pull_;
  std::unique_ptr<pqxx::connection> conn_;
  bool warned_ = false;
  int fetch_errors_ = 0;
};

caf::behavior worker_impl(caf::event_based_actor* self, const worker_options& options,
                          const consumer_spec& spec) {
  return tick_loop<worker>(self, options, spec);
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, worker_options options, consumer_spec spec) {
  return sys.spawn<caf::detached>(worker_impl, std::move(options), std::move(spec));
}

} // namespace gh::events
