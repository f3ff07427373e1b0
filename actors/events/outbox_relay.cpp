#include "actors/events/outbox_relay.hpp"

#include "actors/tick_loop.hpp"
#include "config/log.hpp"
#include "messages/type_ids.hpp"

#include <caf/event_based_actor.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/notification>
#include <pqxx/result>
#include <pqxx/transaction>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gh::events {

namespace {

/// The advisory-lock key relays take turns on ("gh-relay").
constexpr int64_t relay_lock_key = 0x67682d72656c6179;

/// Wakes `await_notification` on `gatehouse_outbox`; the relay looks at the table itself.
class outbox_listener final : public pqxx::notification_receiver {
public:
  explicit outbox_listener(pqxx::connection_base& conn)
      : pqxx::notification_receiver(conn, "gatehouse_outbox") {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override {}
};

/// The ids JetStream refused (asynchronous publish errors), collected by the error handler.
struct publish_errors {
  std::mutex mutex;
  std::set<std::string> ids;
};

void on_publish_error(jsCtx* /*js*/, jsPubAckErr* pae, void* closure) {
  auto* errors = static_cast<publish_errors*>(closure);
  const char* id = nullptr;
  if (pae->Msg != nullptr && natsMsgHeader_Get(pae->Msg, "Nats-Msg-Id", &id) == NATS_OK &&
      id != nullptr) {
    std::lock_guard guard{errors->mutex};
    errors->ids.emplace(id);
  }
}

struct outbox_row {
  std::string id;
  std::string subject;
  std::string payload;
};

class relay {
public:
  explicit relay(relay_options options) : opt_(std::move(options)) {}

  ~relay() {
    listener_.reset();
    conn_.reset();
    if (js_ != nullptr)
      jsCtx_Destroy(js_);
  }

  relay(const relay&) = delete;
  relay& operator=(const relay&) = delete;

  /// One round: publish what is waiting, then sleep until notified or `poll` passed.
  void step() {
    if (!ensure_database() || !ensure_jetstream()) {
      std::this_thread::sleep_for(opt_.poll);
      return;
    }
    try {
      while (natsConnection_Status(opt_.nats) == NATS_CONN_STATUS_CONNECTED) {
        const auto n = publish_batch();
        if (n < opt_.batch)
          break;
      }
      refresh_figures();
      conn_->await_notification(0, static_cast<long>(opt_.poll.count() * 1000));
    } catch (const std::exception& e) {
      log::warn("outbox relay lost PostgreSQL; retrying", {{"error", e.what()}});
      listener_.reset();
      conn_.reset();
      std::this_thread::sleep_for(opt_.poll);
    }
  }

private:
  bool ensure_database() {
    if (conn_ && conn_->is_open())
      return true;
    try {
      listener_.reset();
      conn_ = std::make_unique<pqxx::connection>(opt_.database_url.reveal());
      listener_ = std::make_unique<outbox_listener>(*conn_);
      return true;
    } catch (const std::exception&) {
      // libpq's message may quote the connection string: say only that it failed.
      listener_.reset();
      conn_.reset();
      return false;
    }
  }

  bool ensure_jetstream() {
    if (js_ != nullptr)
      return true;
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = static_cast<int64_t>(opt_.publish_wait.count());
    o.PublishAsync.MaxPending = static_cast<int64_t>(opt_.batch) * 2;
    o.PublishAsync.ErrHandler = &on_publish_error;
    o.PublishAsync.ErrHandlerClosure = &errors_;
    return natsConnection_JetStream(&js_, opt_.nats, &o) == NATS_OK;
  }

  /// Publishes up to `batch` rows in one transaction; how many rows it looked at.
  int publish_batch() {
    pqxx::work tx{*conn_};
    if (!tx.exec_params("SELECT pg_try_advisory_xact_lock($1)", relay_lock_key)[0][0].as<bool>())
      return 0; // Another relay is publishing right now; its rows wake us again.
    const auto result = tx.exec_params(
        "SELECT id::text, subject, payload::text FROM outbox WHERE published_at IS NULL "
        "ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
        opt_.batch);
    if (result.empty())
      return 0;
    std::vector<outbox_row> rows;
    rows.reserve(result.size());
    for (const auto& r : result)
      rows.push_back({r[0].c_str(), r[1].c_str(), std::string{r[2].c_str(), r[2].size()}});
    {
      std::lock_guard guard{errors_.mutex};
      errors_.ids.clear();
    }
    std::size_t sent = 0;
    for (const auto& row : rows) {
      natsMsg* msg = nullptr;
      if (natsMsg_Create(&msg, row.subject.c_str(), nullptr, row.payload.data(),
                         static_cast<int>(row.payload.size())) != NATS_OK)
        break;
      natsMsgHeader_Set(msg, "Nats-Msg-Id", row.id.c_str());
      const auto status = js_PublishMsgAsync(js_, &msg, nullptr);
      natsMsg_Destroy(msg);
      if (status != NATS_OK)
        break;
      ++sent;
    }
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = static_cast<int64_t>(opt_.publish_wait.count());
    std::set<std::string> unconfirmed;
    if (js_PublishAsyncComplete(js_, &wait) != NATS_OK) {
      natsMsgList pending{};
      if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) {
        for (int i = 0; i < pending.Count; ++i) {
          const char* id = nullptr;
          if (natsMsgHeader_Get(pending.Msgs[i], "Nats-Msg-Id", &id) == NATS_OK && id != nullptr)
            unconfirmed.emplace(id);
        }
        natsMsgList_Destroy(&pending);
      }
    }
    {
      std::lock_guard guard{errors_.mutex};
      unconfirmed.insert(errors_.ids.begin(), errors_.ids.end());
    }
    // Only the acknowledged prefix is marked, and the rest of the batch is published again next
    // round (the duplicate window drops what JetStream already stored). A row JetStream refused
    // mid-batch therefore lands after the rows behind it: order holds except around a refusal.
    std::string ids = "{";
    std::size_t confirmed = 0;
    for (std::size_t i = 0; i < sent && !unconfirmed.contains(rows[i].id); ++i, ++confirmed)
      ids += (confirmed == 0 ? "" : ",") + rows[i].id;
    ids += "}";
    if (confirmed > 0)
      tx.exec_params("UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])", ids);
    tx.commit();
    if (opt_.stats != nullptr) {
      opt_.stats->published.fetch_add(confirmed, std::memory_order_relaxed);
      if (confirmed < rows.size())
        opt_.stats->publish_errors.fetch_add(1, std::memory_order_relaxed);
    }
    if (confirmed < rows.size()) {
      log::warn("outbox rows not acknowledged by JetStream; they are published again",
                {{"confirmed", confirmed}, {"rows", rows.size()}});
      std::this_thread::sleep_for(opt_.poll);
      return 0;
    }
    return static_cast<int>(rows.size());
  }

  void refresh_figures() {
    pqxx::nontransaction q{*conn_};
    const auto backlog =
        q.exec("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0].as<int64_t>();
    if (opt_.stats != nullptr)
      opt_.stats->outbox_backlog.store(backlog, std::memory_order_relaxed);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_prune_ > std::chrono::minutes{10}) {
      last_prune_ = now;
      q.exec_params("DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)",
                    static_cast<int>(opt_.keep_published.count()));
    }
  }

  relay_options opt_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<outbox_listener> listener_;
  jsCtx* js_ = nullptr;
  publish_errors errors_;
  std::chrono::steady_clock::time_point last_prune_{};
};

caf::behavior relay_impl(caf::event_based_actor* self, const relay_options& options) {
  return tick_loop<relay>(self, options);
}

} // namespace

caf::actor spawn_outbox_relay(caf::actor_system& sys, relay_options options) {
  return sys.spawn<caf::detached>(relay_impl, std::move(options));
}

} // namespace gh::events
