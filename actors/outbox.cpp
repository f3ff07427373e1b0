#include "actors/outbox.hpp"

#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <chrono>

namespace gh::events {

std::string write(db::transaction& tx, std::string_view subject, const std::string& tenant,
                  boost::json::object data) {
  event_envelope e{crypto::random_uuid(), std::string{subject},
                   to_rfc3339(std::chrono::system_clock::now(), true), tenant, std::move(data)};
  tx.exec("INSERT INTO outbox (id, subject, tenant_id, payload) "
          "VALUES ($1::uuid, $2, $3::uuid, $4::jsonb)",
          {e.id, e.type, tenant, encode_event(e)});
  return e.id;
}

bool write_once(db::transaction& tx, const std::string& id, std::string_view subject,
                const std::string& tenant, std::string occurred_at, boost::json::object data) {
  event_envelope e{id, std::string{subject}, std::move(occurred_at), tenant, std::move(data)};
  return !tx.exec("INSERT INTO outbox (id, subject, tenant_id, payload) "
                  "VALUES ($1::uuid, $2, $3::uuid, $4::jsonb) ON CONFLICT (id) DO NOTHING "
                  "RETURNING 1",
                  {e.id, e.type, tenant, encode_event(e)})
              .empty();
}

} // namespace gh::events
