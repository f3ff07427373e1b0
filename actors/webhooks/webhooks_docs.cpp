#include "actors/webhooks/webhooks_docs.hpp"

namespace gh::webhooks {

void describe(app& a) {
  a.add_schema("WebhookEndpoint",
               R"({"type":"object","required":["id","url","events","enabled"],"properties":)"
               R"({"id":{"type":"string","format":"uuid"},"url":{"type":"string"},"events":)"
               R"({"type":"array","items":{"type":"string"}},"description":{"type":"string"},)"
               R"("enabled":{"type":"boolean"},"secret":{"type":"string"},"created_at":)"
               R"({"type":"string"},"updated_at":{"type":"string"}}})");
  a.add_schema("WebhookDelivery",
               R"({"type":"object","required":["id","event_id","event_type","status",)"
               R"("attempts","created_at"],"properties":{"id":{"type":"string"},"event_id":)"
               R"({"type":"string"},"event_type":{"type":"string"},"status":{"enum":)"
               R"(["pending","succeeded","failed"]},"attempts":{"type":"integer"},)"
               R"("last_status":{"type":["integer","null"]},"last_error":{"type":"string"},)"
               R"("next_attempt_at":{"type":"string"},"created_at":{"type":"string"}}})");
  const std::string endpoint = R"({"$ref":"#/components/schemas/WebhookEndpoint"})";
  const auto list_of = [](const std::string& schema) {
    return R"({"type":"object","required":["items","next_cursor"],"properties":{"items":)"
           R"({"type":"array","items":{"$ref":"#/components/schemas/)" +
           schema + R"("}},"next_cursor":{"type":["string","null"]}}})";
  };
  a.add_docs({
      {"POST", "/api/v1/admin/webhooks", "webhooks",
       "Register an endpoint; its signing secret is shown once (scope webhooks:write)",
       R"({"type":"object","required":["url","events"],"properties":{"url":{"type":)"
       R"("string"},"events":{"type":"array","items":{"type":"string"}},"description":)"
       R"({"type":"string"}}})",
       201, endpoint, "key"},
      {"GET",
       "/api/v1/admin/webhooks",
       "webhooks",
       "Endpoints, oldest first, by cursor (scope webhooks:read)",
       {},
       200,
       list_of("WebhookEndpoint"),
       "key"},
      {"GET",
       "/api/v1/admin/webhooks/{id}",
       "webhooks",
       "One endpoint (scope webhooks:read)",
       {},
       200,
       endpoint,
       "key"},
      {"PATCH", "/api/v1/admin/webhooks/{id}", "webhooks",
       "Change an endpoint's URL, events, description or enable it (scope webhooks:write)",
       R"({"type":"object","properties":{"url":{"type":"string"},"events":{"type":"array",)"
       R"("items":{"type":"string"}},"enabled":{"type":"boolean"},"description":{"type":)"
       R"(["string","null"]}}})",
       200, endpoint, "key"},
      {"DELETE",
       "/api/v1/admin/webhooks/{id}",
       "webhooks",
       "Delete an endpoint and its deliveries (scope webhooks:write)",
       {},
       204,
       {},
       "key"},
      {"POST",
       "/api/v1/admin/webhooks/{id}/rotate-secret",
       "webhooks",
       "A new signing secret; the old one also signs for 24 h (scope webhooks:write)",
       {},
       200,
       R"({"type":"object","required":["secret"],"properties":{"secret":{"type":"string"}}})",
       "key"},
      {"GET",
       "/api/v1/admin/webhooks/{id}/deliveries",
       "webhooks",
       "An endpoint's deliveries, newest first, by cursor and status (scope webhooks:read)",
       {},
       200,
       list_of("WebhookDelivery"),
       "key"},
      {"POST",
       "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry",
       "webhooks",
       "Send a delivery again now (scope webhooks:write)",
       {},
       202,
       R"({"type":"object","properties":{"status":{"type":"string"}}})",
       "key"},
  });
}

} // namespace gh::webhooks
