#pragma once

#include "persistence/sql.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace gh::payments {

/// The columns of `plans` as `plan_json` reads them.
inline constexpr std::string_view plan_columns =
    "id::text, name, amount::text, currency, interval, active::text, stripe_product_id, "
    "stripe_price_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

/// A plan row (`plan_columns`) as JSON: `{id, name, amount, currency, interval}` for users (API.md
/// "Payments"), plus `active`, the Stripe ids and `created_at` for operators.
boost::json::object plan_json(const db::row& row, bool for_operator);

} // namespace gh::payments
