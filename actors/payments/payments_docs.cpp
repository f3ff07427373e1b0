#include "actors/payments/payments_docs.hpp"

namespace gh::payments {

void describe(app& a) {
  a.add_schema("Plan", R"({"type":"object","required":["id","name","amount","currency",)"
                       R"("interval"],"properties":{"id":{"type":"string","format":"uuid"},)"
                       R"("name":{"type":"string"},"amount":{"type":"integer"},"currency":)"
                       R"({"type":"string"},"interval":{"type":"string"}}})");
  a.add_schema("Subscription",
               R"({"type":"object","required":["id","status"],"properties":{"id":)"
               R"({"type":"string"},"plan_id":{"type":["string","null"]},"status":)"
               R"({"type":"string"},"current_period_end":{"type":["string","null"]},)"
               R"("cancel_at_period_end":{"type":"boolean"}}})");
  a.add_schema("Checkout", R"({"type":"object","required":["checkout_id","status"],)"
                           R"("properties":{"checkout_id":{"type":"string"},"status":{"enum":)"
                           R"(["open","complete","expired"]},"plan_id":{"type":"string"},)"
                           R"("url":{"type":"string"},"expires_at":{"type":"string"}}})");
  const std::string url_body =
      R"({"type":"object","properties":{"return_url":{"type":"string","format":"uri"}}})";
  a.add_docs({
      {"GET",
       "/api/v1/plans",
       "payments",
       "The plans on sale",
       {},
       200,
       R"({"type":"array","items":{"$ref":"#/components/schemas/Plan"}})",
       {}},
      {"POST",
       "/api/v1/plans/checkout",
       "payments",
       "Start a Stripe Checkout for a plan",
       R"({"type":"object","required":["plan_id"],"properties":{"plan_id":{"type":"string"},)"
       R"("success_url":{"type":"string"},"cancel_url":{"type":"string"}}})",
       201,
       R"({"$ref":"#/components/schemas/Checkout"})",
       {}},
      {"GET",
       "/api/v1/checkout/{checkout_id}",
       "payments",
       "How a checkout stands",
       {},
       200,
       R"({"$ref":"#/components/schemas/Checkout"})",
       {}},
      {"POST",
       "/api/v1/billing/portal",
       "payments",
       "Open Stripe's Billing Portal",
       url_body,
       200,
       R"({"type":"object","required":["url"],"properties":{"url":{"type":"string"}}})",
       {}},
      {"GET",
       "/api/v1/subscriptions",
       "payments",
       "The caller's subscriptions",
       {},
       200,
       R"({"type":"array","items":{"$ref":"#/components/schemas/Subscription"}})",
       {}},
      {"POST",
       "/api/v1/subscriptions/{id}/cancel",
       "payments",
       "Cancel a subscription (at period end unless told)",
       R"({"type":"object","properties":{"at_period_end":{"type":"boolean"}}})",
       200,
       R"({"$ref":"#/components/schemas/Subscription"})",
       {}},
      {"GET",
       "/api/v1/invoices",
       "payments",
       "The caller's newest 100 invoices",
       {},
       200,
       R"({"type":"array","items":{"type":"object"}})",
       {}},
      {"POST",
       "/webhooks/stripe",
       "payments",
       "Stripe's signed events (Stripe-Signature), queued before the answer",
       {},
       200,
       R"({"type":"object"})",
       "signature"},
      {"POST", "/api/v1/admin/plans", "payments",
       "Create a plan: its Stripe product and price (scope plans:write)",
       R"({"type":"object","required":["name","amount","currency","interval"],"properties":)"
       R"({"name":{"type":"string"},"amount":{"type":"integer"},"currency":{"type":"string"},)"
       R"("interval":{"enum":["day","week","month","year"]}}})",
       201, R"({"$ref":"#/components/schemas/Plan"})", "key"},
      {"GET",
       "/api/v1/admin/plans",
       "payments",
       "Every plan, archived ones too (scope "
       "plans:write)",
       {},
       200,
       R"({"type":"array","items":{"$ref":"#/components/schemas/Plan"}})",
       "key"},
      {"POST",
       "/api/v1/admin/plans/{id}/archive",
       "payments",
       "Stop selling a plan (scope "
       "plans:write)",
       {},
       200,
       R"({"$ref":"#/components/schemas/Plan"})",
       "key"},
      {"POST", "/api/v1/admin/payments/{payment_intent_id}/refund", "payments",
       "Refund a payment, whole or in part (scope payments:refund)",
       R"({"type":"object","properties":{"amount":{"type":"integer","minimum":1}}})", 201,
       R"({"type":"object","required":["id","payment_intent","amount","status"]})", "key"},
  });
}

} // namespace gh::payments
