#pragma once

#include "messages/http.hpp"
#include "persistence/service_endpoint.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// The request bodies of the operators' NATS verbs (README "Operating over NATS"): small JSON
/// objects from whoever may publish on `gatehouse.ops.>`, so every one is decoded with a closed
/// set of fields, checked types and ranges. An empty body is `{}`.
namespace gh::ops_requests {

/// Most bytes a request body may have.
inline constexpr std::size_t max_body = 4096;

/// Why a request is refused: an ADR-32 error code (400) and description, and the fields at fault.
struct refusal {
  int code = 400;
  std::string description;
  std::vector<field_error> fields;
};

/// `gatehouse.ops.instance.<id>.drain`: `{"idle_seconds": N}` (1..3600, default 10).
struct drain_request {
  std::chrono::seconds idle{10};
};

/// `gatehouse.ops.dlq.replay`: `{"id": N}` (N >= 1) or `{"all": true, "limit": N}` (1..1000,
/// default 1000).
struct dlq_replay_request {
  uint64_t id = 0; ///< 0 with `all`
  bool all = false;
  std::size_t limit = 1000;
};

/// `gatehouse.ops.stripe.reconcile`: `{"days": N}` (1..30, default 3, as the CLI).
struct reconcile_request {
  int days = 3;
};

/// Decodes a drain request.
std::variant<drain_request, refusal> decode_drain(std::string_view body);

/// Decodes a DLQ replay request.
std::variant<dlq_replay_request, refusal> decode_dlq_replay(std::string_view body);

/// Decodes a Stripe reconcile request.
std::variant<reconcile_request, refusal> decode_reconcile(std::string_view body);

/// The error reply for `r`: the code and description in the `Nats-Service-Error*` headers, and
/// `{"error": {"code", "description", "fields": [{"field", "message"}]}}` as the body.
nats::endpoint_reply error_reply(const refusal& r);

} // namespace gh::ops_requests
