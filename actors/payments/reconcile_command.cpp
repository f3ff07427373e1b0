#include "actors/payments/reconcile_command.hpp"

#include "actors/payments/reconcile.hpp"
#include "persistence/postgres/connect.hpp"
#include "providers/stripe/client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <pqxx/connection>

#include <charconv>
#include <iostream>
#include <memory>
#include <string_view>

namespace gh::payments {

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
  auto conn = pg::connect_with_patience(s.database_url, std::chrono::seconds{10});
  if (!conn) {
    std::cerr << "gatehouse: cannot connect to PostgreSQL (DATABASE_URL)\n";
    return 1;
  }
  const auto report = reconcile(*client, *conn, "00000000-0000-0000-0000-000000000001",
                                std::chrono::hours{24 * days});
  boost::json::object o{{"listed", report.listed},
                        {"queued", report.queued},
                        {"refused", report.refused},
                        {"complete", report.complete}};
  if (!report.complete)
    o["error"] = report.error;
  std::cout << boost::json::serialize(o) << "\n";
  return report.complete ? 0 : 1;
}

} // namespace gh::payments
