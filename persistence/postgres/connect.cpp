#include "persistence/postgres/connect.hpp"

#include "persistence/postgres/pg_database.hpp"

#include <thread>

namespace gh::pg {

std::unique_ptr<pqxx::connection> connect_with_patience(const config::secret& url,
                                                        std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    try {
      auto conn = std::make_unique<pqxx::connection>(url.reveal());
      prepare_session(*conn);
      return conn;
    } catch (const std::exception&) {
      if (std::chrono::steady_clock::now() >= deadline)
        return nullptr;
      std::this_thread::sleep_for(std::chrono::milliseconds{250});
    }
  }
}

} // namespace gh::pg
