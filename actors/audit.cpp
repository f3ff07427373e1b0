#include "actors/audit.hpp"

#include "actors/replies.hpp"

#include <boost/json/serialize.hpp>

namespace gh::audit {

origin origin_of(const http_request& r) {
  return {r.remote_ip, replies::stored_header(r, "user-agent"), r.request_id};
}

void write(db::transaction& tx, const origin& from, const std::string& tenant,
           const std::string& actor, std::string_view action, const std::string& target,
           const boost::json::object& details) {
  const auto or_null = [](const std::string& v) { return v.empty() ? db::param{} : db::param{v}; };
  tx.exec("INSERT INTO audit_log (tenant_id, actor, action, target, ip, user_agent, request_id, "
          "details) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb)",
          {or_null(tenant), or_null(actor), std::string{action}, or_null(target), from.ip,
           from.user_agent, from.request_id, boost::json::serialize(details)});
}

void write(db::transaction& tx, const http_request& r, const std::string& tenant,
           const std::string& actor, std::string_view action, const std::string& target,
           const boost::json::object& details) {
  write(tx, origin_of(r), tenant, actor, action, target, details);
}

} // namespace gh::audit
