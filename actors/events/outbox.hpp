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

} // namespace gh::events
