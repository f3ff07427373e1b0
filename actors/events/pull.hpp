#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::events {

/// What JetStream says of a delivery in its acknowledgement subject
/// (`$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`, or
/// the longer form with a domain and an account hash before the stream, and a token after).
struct ack_subject {
  std::string stream;
  std::string consumer;
  uint64_t delivered = 0;
  uint64_t stream_sequence = 0;
  uint64_t consumer_sequence = 0;
  uint64_t pending = 0;
};

/// Reads `reply` as an acknowledgement subject; nothing when it is not one (wrong prefix or
/// number of tokens, a number that is not one or does not fit 64 bits, an empty name).
std::optional<ack_subject> parse_ack_subject(std::string_view reply);

/// `msg`'s reply subject read by `parse_ack_subject`; nothing when it has none.
std::optional<ack_subject> ack_subject_of(natsMsg* msg);

struct msg_deleter {
  void operator()(natsMsg* m) const noexcept { natsMsg_Destroy(m); }
};
using owned_msg = std::unique_ptr<natsMsg, msg_deleter>;

/// A pull subscription on a durable consumer, written here over core NATS: a subscription on an
/// inbox of its own and pull requests to `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`.
/// libnats 3.4's `natsSubscription_Fetch` writes past the end of its message array when more
/// than half a batch is already waiting in the subscription as a fetch begins (deliveries of
/// an earlier request that arrived after it returned, as happens on a loaded machine); a fetch
/// here never holds more than it was asked for, and what arrives late waits for the next one.
/// Not thread-safe: one worker uses it.
class pull_subscription {
public:
  /// Subscribes to a fresh inbox; nullptr when NATS refuses.
  static std::unique_ptr<pull_subscription> open(natsConnection* nc, const std::string& stream,
                                                 const std::string& consumer);
  ~pull_subscription();
  pull_subscription(const pull_subscription&) = delete;
  pull_subscription& operator=(const pull_subscription&) = delete;

  /// Up to `batch` messages: first those that already arrived, then a request for the rest
  /// that the server answers at once with what it has, and when that is nothing, a request that
  /// waits up to `wait`. NATS_TIMEOUT when nothing came; another status when the consumer,
  /// the stream or the connection failed (the request found no responder, a 409, a closed
  /// connection) and nothing came.
  natsStatus fetch(std::vector<owned_msg>& out, int batch, std::chrono::milliseconds wait);

  /// Asks for `batch` messages without waiting for them (what `fetch` sends); for tests that
  /// need deliveries to arrive between fetches.
  natsStatus request(int batch, std::chrono::milliseconds expires, bool no_wait);

  /// Messages that arrived and no fetch took yet.
  int waiting() const;

private:
  pull_subscription(natsConnection* nc, std::string next_subject, std::string inbox)
      : nc_(nc), next_subject_(std::move(next_subject)), inbox_(std::move(inbox)) {}

  natsConnection* nc_;
  std::string next_subject_;
  std::string inbox_; ///< Requests reply to `<inbox>.<n>`.
  natsSubscription* sub_ = nullptr;
  uint64_t requests_ = 0;
  std::string last_reply_; ///< The reply subject of the latest request.
};

/// The acknowledgements of a delivery, published to its reply subject (JetStream's `+ACK`,
/// `-NAK {"delay": ns}`, `+TERM`, `+WPI`). False when NATS did not take the publish.
bool ack_message(natsConnection* nc, natsMsg* msg);
bool nak_message(natsConnection* nc, natsMsg* msg, std::chrono::milliseconds delay);
bool term_message(natsConnection* nc, natsMsg* msg);
bool in_progress_message(natsConnection* nc, natsMsg* msg);

} // namespace gh::events
