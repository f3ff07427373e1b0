#pragma once

#include "actors/webhooks/delivery_plan.hpp"
#include "actors/webhooks/webhook_stats.hpp"
#include "actors/webhooks/webhook_url.hpp"
#include "config/secret.hpp"
#include "providers/http_client.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

/// The delivery worker: sends due deliveries to their endpoints and records how each attempt
/// went.
namespace gh::webhooks {

/// One signed POST to an endpoint.
struct outbound {
  std::string url;
  std::string id; ///< `webhook-id`: the event id, the same on every attempt
  std::string body;
  std::vector<std::string> keys; ///< signing keys (the current secret's, then the previous one's)
  int64_t timestamp = 0;         ///< `webhook-timestamp`, Unix seconds
};

/// How an attempt is made.
struct attempt_options {
  url_policy policy;
  std::chrono::milliseconds timeout{10000}; ///< from the lookup to the answer's last byte read
  std::size_t max_response_bytes = 4096;    ///< read and discarded; the rest is cut off
};

/// Makes one attempt (blocking): checks the URL, resolves its host and checks every address
/// (`resolve_checked`), connects to those addresses only, and POSTs the body with the Standard
/// Webhooks headers through the shared outbound client. Redirects are not followed (a 3xx is a
/// failure like any answer outside 2xx).
attempt_result deliver_once(const outbound& out, const attempt_options& options,
                            const http_out::tls_context& tls);

/// What the delivery worker works with.
struct sender_options {
  config::secret database_url;
  attempt_options attempt;
  std::string seal_key;           ///< opens the endpoints' sealed secrets (`crypto::open`)
  std::size_t concurrency = 16;   ///< attempts in flight in this process
  std::size_t per_endpoint = 8;   ///< attempts in flight per endpoint (across processes)
  std::chrono::seconds lease{60}; ///< how long a claimed delivery is kept from other senders
  std::chrono::milliseconds idle_wait{500};
  clock_fn now; ///< null: the system clock
  webhook_stats* stats = nullptr;
};

/// Spawns the delivery worker: a detached actor with its own PostgreSQL connection that claims
/// due deliveries of enabled endpoints (a lease each, `FOR UPDATE`-safe across processes),
/// hands them to `concurrency` sender threads, and records each outcome with the contract's
/// schedule (`after_attempt`). It wakes on `NOTIFY gatehouse_webhooks` or after `idle_wait`.
/// At exit the threads finish their attempts, which are recorded; claimed deliveries not yet
/// started are released.
caf::actor spawn_sender(caf::actor_system& sys, sender_options options);

/// Channel the consumer and the admin API notify when deliveries become due.
inline constexpr const char* notify_channel = "gatehouse_webhooks";

/// The associated data an endpoint's secrets are sealed with.
std::string seal_context(const std::string& endpoint_id);

} // namespace gh::webhooks
