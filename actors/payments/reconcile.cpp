#include "actors/payments/reconcile.hpp"

#include "actors/payments/stripe_events.hpp"
#include "config/log.hpp"
#include "messages/event_envelope.hpp"
#include "persistence/postgres/pg_database.hpp"

#include <boost/json/array.hpp>
#include <pqxx/connection>
#include <pqxx/transaction>

#include <set>
#include <thread>

namespace gh::payments {

namespace {

/// Pages through `GET /v1/events` with `filter`, queueing each event (once per pass).
void list_and_queue(stripe::client& stripe, pqxx::connection& db, const std::string& tenant,
                    const stripe::form& filter, std::size_t max_events, std::set<std::string>& seen,
                    reconcile_report& report) {
  std::string after;
  while (report.complete && report.listed < max_events) {
    auto params = filter;
    params.emplace_back("limit", "100");
    if (!after.empty())
      params.emplace_back("starting_after", after);
    auto page = stripe.get("/v1/events", params);
    if (!page.ok()) {
      report.complete = false;
      report.error = "listing Stripe's events failed: " + page.detail;
      return;
    }
    const auto* data = page.body.if_contains("data");
    if (data == nullptr || !data->is_array()) {
      report.complete = false;
      report.error = "Stripe's event list has no data";
      return;
    }
    try {
      pqxx::work tx{db};
      pg::work_transaction t{tx};
      for (const auto& item : data->get_array()) {
        ++report.listed;
        if (!item.is_object() || !check_event(item.get_object()).empty()) {
          ++report.refused;
          continue;
        }
        const auto id = std::string{item.get_object().at("id").get_string()};
        after = id;
        if (!seen.insert(id).second)
          continue;
        if (queue_event(t, tenant, item.get_object()))
          ++report.queued;
      }
      tx.commit();
    } catch (const std::exception& e) {
      report.complete = false;
      report.error = std::string{"queueing failed: "} + e.what();
      return;
    }
    const auto* more = page.body.if_contains("has_more");
    if (more == nullptr || !more->is_bool() || !more->get_bool() || after.empty())
      return;
  }
}

/// One scheduled pass at a time, with a connection of its own kept between passes.
struct reconcile_job {
  explicit reconcile_job(reconcile_options o) : opt(std::move(o)) {}

  void run() {
    try {
      if (!db || !db->is_open()) {
        db = std::make_unique<pqxx::connection>(opt.database_url.reveal());
        pg::prepare_session(*db);
      }
    } catch (const std::exception&) {
      db.reset(); // the message may quote the connection string
      log::warn("stripe reconcile skipped: PostgreSQL is unreachable");
      return;
    }
    const auto report = reconcile(*opt.stripe, *db, opt.tenant, opt.lookback);
    if (report.complete)
      log::info("stripe reconcile done", {{"listed", report.listed}, {"queued", report.queued}});
    else
      log::warn("stripe reconcile incomplete",
                {{"listed", report.listed}, {"queued", report.queued}, {"error", report.error}});
  }

  reconcile_options opt;
  std::unique_ptr<pqxx::connection> db;
};

} // namespace

const std::vector<std::string>& applied_event_types() {
  static const std::vector<std::string> types{
      "checkout.session.completed",    "checkout.session.expired",
      "customer.subscription.created", "customer.subscription.updated",
      "customer.subscription.deleted", "invoice.paid",
      "invoice.payment_failed",        "charge.refunded"};
  return types;
}

reconcile_report reconcile(stripe::client& stripe, pqxx::connection& db, const std::string& tenant,
                           std::chrono::seconds lookback, std::size_t max_events) {
  reconcile_report report;
  std::set<std::string> seen;
  list_and_queue(stripe, db, tenant, {{"delivery_success", "false"}}, max_events, seen, report);
  stripe::form recent{{"created[gte]", std::to_string(unix_now() - lookback.count())}};
  for (const auto& type : applied_event_types())
    recent.emplace_back("types[]", type);
  list_and_queue(stripe, db, tenant, recent, max_events, seen, report);
  return report;
}

schedule_spec reconcile_schedule(reconcile_options options) {
  const auto interval = options.interval;
  auto job = std::make_shared<reconcile_job>(std::move(options));
  return {"stripe-reconcile", interval, [job] { job->run(); }};
}

} // namespace gh::payments
