#pragma once

#include "config/secret.hpp"

#include <pqxx/connection>

#include <chrono>
#include <memory>

namespace gh::pg {

/// Connects to PostgreSQL (readied by `prepare_session`), retrying every 250 ms for up to
/// `patience` while it starts; null when it never answered. libpq's messages are not passed on:
/// they may quote the connection string.
std::unique_ptr<pqxx::connection> connect_with_patience(const config::secret& url,
                                                        std::chrono::seconds patience);

} // namespace gh::pg
