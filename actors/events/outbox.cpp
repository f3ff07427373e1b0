#include "actors/events/outbox.hpp"

#include "actors/identity/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace gh::events {

namespace {

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  (void)std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                      static_cast<int>(millis));
  return buf;
}

} // namespace

std::string write(db::transaction& tx, std::string_view subject, const std::string& tenant,
                  boost::json::object data) {
  event_envelope e{crypto::random_uuid(), std::string{subject}, now_rfc3339(), tenant,
                   std::move(data)};
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
