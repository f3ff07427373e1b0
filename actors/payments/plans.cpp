#include "actors/payments/plans.hpp"

#include <string>

namespace gh::payments {

boost::json::object plan_json(const db::row& row, bool for_operator) {
  boost::json::object o;
  o["id"] = db::text(row, 0);
  o["name"] = db::text(row, 1);
  o["amount"] = std::stoll(db::text(row, 2, "0"));
  o["currency"] = db::text(row, 3);
  o["interval"] = db::text(row, 4);
  if (for_operator) {
    o["active"] = db::text(row, 5) == "true";
    o["stripe_product_id"] = db::text(row, 6);
    o["stripe_price_id"] = db::text(row, 7);
    o["created_at"] = db::text(row, 8);
  }
  return o;
}

} // namespace gh::payments
