#include "actors/payments/reconcile_command.hpp"

#include "actors/ops_requests.hpp"
#include "persistence/postgres/connect.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <pqxx/connection>

#include <charconv>
#include <iostream>
#include <memory>
#include <string_view>

namespace gh::payments {

namespace {

constexpr const char* command_tenant = "00000000-0000-0000-0000-000000000001";

} // namespace

reconcile_report reconcile_days(stripe::client& client, const config::secret& database_url,
                                int days) {
  auto conn = pg::connect_with_patience(database_url, std::chrono::seconds{10});
  if (!conn) {
    reconcile_report failed;
    failed.complete = false;
    failed.error = "cannot connect to PostgreSQL (DATABASE_URL)";
    return failed;
  }
  return reconcile(client, *conn, command_tenant, std::chrono::hours{24 * days});
}

std::string report_json(const reconcile_report& report) {
  boost::json::object o{{"listed", report.listed},
                        {"queued", report.queued},
                        {"refused", report.refused},
                        {"complete", report.complete}};
  if (!report.complete)
    o["error"] = report.error;
  return boost::json::serialize(o);
}

nats::endpoint_reply reconcile_verb(stripe::client* client, const config::secret& database_url,
                                    std::string_view body) {
  auto decoded = ops_requests::decode_reconcile(body);
  if (auto* refused = std::get_if<ops_requests::refusal>(&decoded))
    return ops_requests::error_reply(*refused);
  if (client == nullptr || !client->usable())
    return ops_requests::error_reply(
        {503, "payments are not configured (STRIPE_SECRET_KEY, STRIPE_API_BASE)", {}});
  const auto days = std::get<ops_requests::reconcile_request>(decoded).days;
  const auto report = reconcile_days(*client, database_url, days);
  if (!report.complete)
    return nats::endpoint_reply{report_json(report), 502,
                                "reconcile stopped midway: " + report.error};
  return nats::endpoint_reply{report_json(report), 0, {}};
}

int reconcile_command(const config::settings& s, int argc, char** argv) {
  const std::string_view action = argc > 2 ? argv[2] : "";
  int days = 3;
  bool usage_ok = action == "reconcile" && (argc == 3 || argc == 5);
  if (usage_ok && argc == 5) {
    const std::string_view flag = argv[3];
    const std::string_view value = argv[4];
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), days);
    usage_ok = flag == "--days" && ec == std::errc{} && end == value.data() + value.size() &&
               days >= 1 && days <= 30;
  }
  if (!usage_ok) {
    std::cerr << "gatehouse: usage: gatehouse stripe reconcile [--days N] (1 <= N <= 30)\n";
    return 2;
  }
  auto client = stripe::client_of(s);
  if (!client || !client->usable()) {
    std::cerr << "gatehouse: payments are not configured (STRIPE_SECRET_KEY, STRIPE_API_BASE)\n";
    return 1;
  }
  const auto report = reconcile_days(*client, s.database_url, days);
  std::cout << report_json(report) << "\n";
  return report.complete ? 0 : 1;
}

} // namespace gh::payments
