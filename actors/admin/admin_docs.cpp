#include "actors/admin/admin_docs.hpp"

namespace gh::admin {

void describe(app& a) {
  a.add_schema("ApiKey", R"({"type":"object","required":["id","name","prefix","scopes",)"
                         R"("created_at"],"properties":{"id":{"type":"string","format":"uuid"},)"
                         R"("name":{"type":"string"},"prefix":{"type":"string"},"scopes":)"
                         R"({"type":"array","items":{"type":"string"}},"created_at":)"
                         R"({"type":"string"},"created_by":{"type":["string","null"]},)"
                         R"("revoked_at":{"type":["string","null"]},"key":{"type":"string",)"
                         R"("description":"only in the answer that created it"}}})");
  a.add_schema("AdminUser", R"({"type":"object","required":["id","tenant_id","status"],)"
                            R"("properties":{"id":{"type":"string"},"tenant_id":)"
                            R"({"type":"string"},"email":{"type":"string"},"phone":)"
                            R"({"type":"string"},"name":{"type":"string"},"status":)"
                            R"({"enum":["active","disabled"]},"mfa_enabled":{"type":"boolean"},)"
                            R"("created_at":{"type":"string"}}})");
  const auto page = [](const char* item) {
    return std::string{R"({"type":"object","required":["items","next_cursor"],"properties":)"
                       R"({"items":{"type":"array","items":{"$ref":"#/components/schemas/)"} +
           item + R"("}},"next_cursor":{"type":["string","null"]}}})";
  };
  a.add_schema("AuditEntry", R"({"type":"object","properties":{"id":{"type":"integer"},)"
                             R"("at":{"type":"string"},"actor":{"type":["string","null"]},)"
                             R"("action":{"type":"string"},"target":{"type":["string","null"]},)"
                             R"("details":{"type":"object"}}})");
  a.add_docs({
      {"POST", "/api/v1/admin/api-keys", "admin", "Create an API key (shown once; scope keys)",
       R"({"type":"object","required":["name","scopes"],"properties":{"name":{"type":"string"},)"
       R"("scopes":{"type":"array","items":{"type":"string"}}}})",
       201, R"({"$ref":"#/components/schemas/ApiKey"})", "key"},
      {"GET",
       "/api/v1/admin/api-keys",
       "admin",
       "List the API keys (scope keys)",
       {},
       200,
       R"({"type":"array","items":{"$ref":"#/components/schemas/ApiKey"}})",
       "key"},
      {"DELETE",
       "/api/v1/admin/api-keys/{id}",
       "admin",
       "Revoke an API key (scope keys)",
       {},
       204,
       {},
       "key"},
      {"GET",
       "/api/v1/admin/users",
       "admin",
       "Search users (scope users:read)",
       {},
       200,
       page("AdminUser"),
       "key"},
      {"POST",
       "/api/v1/admin/users/{id}/disable",
       "admin",
       "Disable a user; their sessions end at once (scope users:write)",
       {},
       200,
       R"({"$ref":"#/components/schemas/AdminUser"})",
       "key"},
      {"POST",
       "/api/v1/admin/users/{id}/enable",
       "admin",
       "Enable a user (scope users:write)",
       {},
       200,
       R"({"$ref":"#/components/schemas/AdminUser"})",
       "key"},
      {"GET",
       "/api/v1/admin/audit",
       "admin",
       "The audit log, newest first (scope audit:read)",
       {},
       200,
       page("AuditEntry"),
       "key"},
  });
}

} // namespace gh::admin
