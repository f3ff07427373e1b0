#pragma once

#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

/// The audit log every capability writes: one `audit_log` row per change, in the transaction of
/// the change itself.
namespace gh::audit {

/// Where a change came from, as the audit row records it: a request's client address, user
/// agent and request id, or what stands for them when no request caused it (a worker applying
/// a provider's webhook names the provider and the event).
struct origin {
  std::string ip;
  std::string user_agent;
  std::string request_id;
};

/// The origin of the request `r`.
origin origin_of(const http_request& r);

/// Writes the row of `action` on `target` by `actor` for a change from `from` inside `tx`;
/// `details` never hold a secret. Empty `tenant`, `actor` or `target` are stored as NULL.
void write(db::transaction& tx, const origin& from, const std::string& tenant,
           const std::string& actor, std::string_view action, const std::string& target,
           const boost::json::object& details = {});

/// Writes the row of `action` on `target` by `actor` (a user id, `api_key:<id>`, `bootstrap`)
/// for the request `r` inside `tx`: its client address, user agent and request id, and
/// `details`, which never hold a secret. Empty `tenant`, `actor` or `target` are stored as NULL.
void write(db::transaction& tx, const http_request& r, const std::string& tenant,
           const std::string& actor, std::string_view action, const std::string& target,
           const boost::json::object& details = {});

} // namespace gh::audit
