#pragma once

#include "persistence/sql.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace gh::events {

/// Writes the event `subject` with `data` for `tenant` as an outbox row inside `tx`, so it is
/// published exactly when the transaction commits (API.md "Events" envelope). Its id.
std::string write(db::transaction& tx, std::string_view subject, const std::string& tenant,
                  boost::json::object data);

/// Writes the event `id` (a UUID chosen by the caller, e.g. derived from a provider's event id)
/// unless a row with that id exists already; true when it was written. `occurred_at` is
/// RFC 3339.
bool write_once(db::transaction& tx, const std::string& id, std::string_view subject,
                const std::string& tenant, std::string occurred_at, boost::json::object data);

} // namespace gh::events
