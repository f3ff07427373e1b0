#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gh::events {

/// The stream that keeps dead letters: `dlq.<consumer>` subjects, one message per poison event.
inline constexpr const char* dead_letter_stream = "DLQ";

/// Why and where a message died, carried in the dead letter's headers.
struct dead_letter_reason {
  std::string consumer;
  std::string error;
  uint64_t deliveries = 0;
};

/// Publishes `msg` (body and headers kept, except NATS's own `Nats-*` ones) to `dlq.<consumer>`
/// with `Gatehouse-Original-Subject`, `Gatehouse-Original-Msg-Id`, `Gatehouse-Consumer`,
/// `Gatehouse-Deliveries`, `Gatehouse-Error` and `Gatehouse-Stream-Sequence` headers and
/// `Nats-Msg-Id: <consumer>:<stream>:<sequence>` (one dead letter per consumer and message); waits
/// for the acknowledgement. False when JetStream did not take it (the caller must then not
/// acknowledge the original).
bool dead_letter(jsCtx* js, natsMsg* msg, const dead_letter_reason& why);

/// One dead letter as `gatehouse dlq list` shows it.
struct dead_letter_entry {
  uint64_t sequence = 0;
  std::string original_subject;
  std::string consumer;
  std::string deliveries;
  std::string error;
  std::string body; ///< Reset links and other `*_url` variables redacted (see `redacted`).
};

/// The dead letters in the DLQ stream, oldest first (at most `limit`).
std::vector<dead_letter_entry> list_dead_letters(jsCtx* js, std::size_t limit);

/// How a replay of one dead letter ended.
enum class replay_outcome {
  replayed,  ///< published again and deleted from the DLQ stream
  not_found, ///< no such dead letter (never was, or replayed already)
  failed,    ///< JetStream refused or did not answer; the dead letter may still be there
};

/// Publishes dead letter `sequence` again on its original subject (with a new `Nats-Msg-Id`,
/// so the duplicate window does not drop it) and deletes it from the DLQ stream.
replay_outcome replay_dead_letter(jsCtx* js, uint64_t sequence);

/// `body` with the values of `data.vars.*_url` (links that grant access, such as password
/// resets) replaced by `[redacted]`, for printing; other bodies as they are.
std::string redacted(std::string_view body);

/// `text` made safe for a NATS header value: printable ASCII, at most 300 characters.
std::string header_safe(std::string_view text);

} // namespace gh::events
