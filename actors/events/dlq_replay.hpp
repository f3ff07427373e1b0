#pragma once

#include "persistence/service_endpoint.hpp"

#include <nats/nats.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace gh::events {

/// What one replay of dead letters did, for `gatehouse dlq replay` and the
/// `gatehouse.ops.dlq.replay` NATS verb.
struct replay_report {
  std::vector<uint64_t> replayed;
  std::vector<uint64_t> not_found;
  std::vector<uint64_t> failed;
  bool more = false; ///< with `all`: dead letters past `limit` are left for another request
};

/// Replays dead letter `one`, or (without it) the oldest `limit` dead letters.
replay_report replay_dead_letters(jsCtx* js, std::optional<uint64_t> one, std::size_t limit);

/// The `gatehouse.ops.dlq.replay` verb over connection `nc`: decodes `body` (`{"id": N}` or
/// `{"all": true, "limit": N}`, see `ops_requests::decode_dlq_replay`) and answers
/// `{"replayed": [..], "not_found": [..], "failed": [..], "more": bool}`; a single dead letter
/// that does not exist is a 404 error, one JetStream refused a 503. Blocking: JetStream answers
/// each publish and delete.
nats::endpoint_reply dlq_replay_verb(natsConnection* nc, std::string_view body);

} // namespace gh::events
