#pragma once

#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

/// The audit log every capability writes: one `audit_log` row per change, in the transaction of
/// the change itself.
namespace gh::audit {

/// Writes the row of `action` on `target` by `actor` (a user id, `api_key:<id>`, `bootstrap`)
/// for the request `r` inside `tx`: its client address, user agent and request id, and
/// `details`, which never hold a secret. Empty `tenant`, `actor` or `target` are stored as NULL.
void write(db::transaction& tx, const http_request& r, const std::string& tenant,
           const std::string& actor, std::string_view action, const std::string& target,
           const boost::json::object& details = {});

} // namespace gh::audit
