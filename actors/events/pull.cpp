#include "actors/events/pull.hpp"

#include <charconv>

namespace gh::events {

namespace {

std::vector<std::string_view> tokens_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos)
      return out;
    start = dot + 1;
  }
}

bool number_of(std::string_view text, uint64_t& out) {
  if (text.empty())
    return false;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

/// The status of a status message (`NATS/1.0 404` and so on: no body, a `Status` header), or
/// empty for a delivery.
std::string_view status_of(natsMsg* msg) {
  if (natsMsg_GetDataLength(msg) > 0)
    return {};
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, "Status", &value) != NATS_OK || value == nullptr)
    return {};
  return value;
}

bool publish_ack(natsConnection* nc, natsMsg* msg, std::string_view body) {
  const char* reply = natsMsg_GetReply(msg);
  if (reply == nullptr || *reply == '\0')
    return false;
  return natsConnection_Publish(nc, reply, body.data(), static_cast<int>(body.size())) == NATS_OK;
}

} // namespace

std::optional<ack_subject> parse_ack_subject(std::string_view reply) {
  const auto t = tokens_of(reply);
  // $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>: 9 tokens; with a
  // domain and an account hash before the stream, 11, and a token after, 12 or more.
  std::size_t at = 0;
  if (t.size() == 9)
    at = 2;
  else if (t.size() >= 11)
    at = 4;
  else
    return std::nullopt;
  if (t[0] != "$JS" || t[1] != "ACK")
    return std::nullopt;
  ack_subject a;
  a.stream = std::string{t[at]};
  a.consumer = std::string{t[at + 1]};
  uint64_t ts = 0;
  if (a.stream.empty() || a.consumer.empty() || !number_of(t[at + 2], a.delivered) ||
      !number_of(t[at + 3], a.stream_sequence) || !number_of(t[at + 4], a.consumer_sequence) ||
      !number_of(t[at + 5], ts) || !number_of(t[at + 6], a.pending))
    return std::nullopt;
  return a;
}

std::optional<ack_subject> ack_subject_of(natsMsg* msg) {
  const char* reply = natsMsg_GetReply(msg);
  if (reply == nullptr)
    return std::nullopt;
  return parse_ack_subject(reply);
}

std::unique_ptr<pull_subscription> pull_subscription::open(natsConnection* nc,
                                                           const std::string& stream,
                                                           const std::string& consumer) {
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK)
    return nullptr;
  std::unique_ptr<pull_subscription> p{
      new pull_subscription(nc, "$JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer, inbox)};
  natsInbox_Destroy(inbox);
  if (natsConnection_SubscribeSync(&p->sub_, nc, (p->inbox_ + ".*").c_str()) != NATS_OK) {
    p->sub_ = nullptr;
    return nullptr;
  }
  return p;
}

pull_subscription::~pull_subscription() {
  if (sub_ != nullptr) {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
}

natsStatus pull_subscription::request(int batch, std::chrono::milliseconds expires, bool no_wait) {
  ++requests_;
  std::string body = R"({"batch":)" + std::to_string(batch);
  if (expires.count() > 0)
    body += R"(,"expires":)" + std::to_string(expires.count() * 1000000);
  if (no_wait)
    body += R"(,"no_wait":true)";
  body += "}";
  last_reply_ = inbox_ + "." + std::to_string(requests_);
  return natsConnection_PublishRequest(nc_, next_subject_.c_str(), last_reply_.c_str(), body.data(),
                                       static_cast<int>(body.size()));
}

int pull_subscription::waiting() const {
  int msgs = 0;
  int bytes = 0;
  if (natsSubscription_GetPending(sub_, &msgs, &bytes) != NATS_OK)
    return 0;
  return msgs;
}

natsStatus pull_subscription::fetch(std::vector<owned_msg>& out, int batch,
                                    std::chrono::milliseconds wait) {
  out.clear();
  if (batch <= 0)
    return NATS_INVALID_ARG;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  // Deliveries of earlier requests that came after their fetch ended; status messages of
  // earlier requests say nothing about this one.
  while (static_cast<int>(out.size()) < batch) {
    natsMsg* m = nullptr;
    if (natsSubscription_NextMsg(&m, sub_, 0) != NATS_OK)
      break;
    owned_msg msg{m};
    if (status_of(m).empty())
      out.push_back(std::move(msg));
  }
  if (static_cast<int>(out.size()) == batch)
    return NATS_OK;

  // The rest: what the server has now (it answers 404 when that is less than asked), then, when
  // nothing at all came, one request that waits (and ends with a 408 when the time is up).
  // Expiring a little before `wait` lets the server's 408 arrive before we give up.
  bool waited = false;
  bool no_wait = batch - static_cast<int>(out.size()) > 1;
  natsStatus failure = NATS_TIMEOUT;
  auto send = [&] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    // A waiting request always expires: one without would wait at the server for ever.
    if (left.count() < 1)
      return NATS_TIMEOUT;
    const auto expires =
        left >= std::chrono::milliseconds{20} ? left - std::chrono::milliseconds{10} : left;
    return request(batch - static_cast<int>(out.size()), expires, no_wait);
  };
  if (const auto s = send(); s != NATS_OK)
    return out.empty() ? s : NATS_OK;
  while (static_cast<int>(out.size()) < batch) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      break;
    natsMsg* m = nullptr;
    const auto s = natsSubscription_NextMsg(&m, sub_, left.count());
    if (s == NATS_TIMEOUT)
      break;
    if (s != NATS_OK) {
      failure = s;
      break;
    }
    owned_msg msg{m};
    const auto status = status_of(m);
    if (status.empty()) {
      out.push_back(std::move(msg));
      continue;
    }
    if (last_reply_ != natsMsg_GetSubject(m))
      continue; // the end of an earlier request
    if (status.starts_with("404") && no_wait && out.empty() && !waited) {
      // Nothing there now: ask once more, waiting this time.
      no_wait = false;
      waited = true;
      if (const auto r = send(); r != NATS_OK) {
        failure = r;
        break;
      }
      continue;
    }
    if (status.starts_with("404") || status.starts_with("408"))
      break; // this request is over
    if (status.starts_with("100"))
      continue; // a heartbeat
    // 409 (the consumer was deleted, too many requests wait, ...) or 503 (nobody serves the
    // consumer): the caller subscribes again after repeated failures.
    failure = status.starts_with("503") ? NATS_NO_RESPONDERS : NATS_ERR;
    break;
  }
  if (!out.empty())
    return NATS_OK;
  return failure;
}

bool ack_message(natsConnection* nc, natsMsg* msg) {
  return publish_ack(nc, msg, "+ACK");
}

bool nak_message(natsConnection* nc, natsMsg* msg, std::chrono::milliseconds delay) {
  return publish_ack(nc, msg, R"(-NAK {"delay":)" + std::to_string(delay.count() * 1000000) + "}");
}

bool term_message(natsConnection* nc, natsMsg* msg) {
  return publish_ack(nc, msg, "+TERM");
}

bool in_progress_message(natsConnection* nc, natsMsg* msg) {
  return publish_ack(nc, msg, "+WPI");
}

} // namespace gh::events
