#include "persistence/jetstream/owner_link.hpp"

#include "messages/owner_envelope.hpp"

#include <charconv>
#include <string>

namespace gh::nats {

namespace {

/// The largest envelope or answer the link passes on; a larger message is dropped (its sender
/// times out). Commands and their answers are small; NATS itself allows 1 MiB by default.
constexpr int max_body = 512 * 1024;

/// Where per-user actors' frames for the other instances go.
constexpr const char* push_subject = "gatehouse.push";

std::string subject_of(const std::string& prefix, uint64_t token) {
  return prefix + "." + std::to_string(token);
}

} // namespace

std::string owner_subject(std::string_view id) {
  return "gatehouse.owner." + std::string{id};
}

std::unique_ptr<owner_link> owner_link::open(natsConnection* connection, std::string_view instance,
                                             request_sink on_request, answer_sink on_answer,
                                             push_sink on_push, std::string& error) {
  std::unique_ptr<owner_link> link{new owner_link{connection, instance, std::move(on_request),
                                                  std::move(on_answer), std::move(on_push)}};
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) {
    error = "cannot create an inbox";
    return nullptr;
  }
  link->inbox_ = inbox;
  natsInbox_Destroy(inbox);
  const auto own = owner_subject(instance);
  const auto answers = link->inbox_ + ".*";
  if (natsConnection_Subscribe(&link->requests_, connection, own.c_str(), &on_request_msg,
                               link.get()) != NATS_OK ||
      natsConnection_Subscribe(&link->answers_, connection, answers.c_str(), &on_answer_msg,
                               link.get()) != NATS_OK ||
      natsConnection_Subscribe(&link->pushes_, connection, push_subject, &on_push_msg,
                               link.get()) != NATS_OK) {
    error = std::string{"cannot subscribe: "} + nats_GetLastError(nullptr);
    link->close();
    return nullptr;
  }
  return link;
}

owner_link::~owner_link() {
  close();
}

void owner_link::close() {
  {
    const std::lock_guard lock{mutex_};
    closed_ = true;
  }
  for (auto* sub : {&requests_, &answers_, &pushes_}) {
    if (*sub == nullptr)
      continue;
    // A drain lets a callback that is running finish, so none runs on a destroyed link. It
    // needs the server; without it (a stop while NATS is down) nothing more is delivered anyway.
    if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED &&
        natsSubscription_Drain(*sub) == NATS_OK)
      natsSubscription_WaitForDrainCompletion(*sub, 2000);
    else
      natsSubscription_Unsubscribe(*sub);
    natsSubscription_Destroy(*sub);
    *sub = nullptr;
  }
}

bool owner_link::send(std::string_view instance, std::string_view envelope, uint64_t token) {
  if (envelope.size() > static_cast<std::size_t>(max_body))
    return false;
  const auto subject = owner_subject(instance);
  const auto reply = subject_of(inbox_, token);
  const std::lock_guard lock{mutex_};
  return !closed_ &&
         natsConnection_PublishRequest(connection_, subject.c_str(), reply.c_str(), envelope.data(),
                                       static_cast<int>(envelope.size())) == NATS_OK;
}

void owner_link::probe(std::string_view instance, uint64_t token) {
  send(instance, {}, token); // an empty request is a probe
}

void owner_link::answer(std::string_view reply_to, std::string_view body) {
  if (reply_to.empty() || body.size() > static_cast<std::size_t>(max_body))
    return;
  const std::string subject{reply_to};
  const std::lock_guard lock{mutex_};
  if (!closed_)
    natsConnection_Publish(connection_, subject.c_str(), body.data(),
                           static_cast<int>(body.size()));
}

void owner_link::relay(std::string_view user_id, std::string_view frame) {
  const auto body = encode_push({instance_, std::string{user_id}, std::string{frame}});
  if (body.size() > static_cast<std::size_t>(max_body))
    return;
  const std::lock_guard lock{mutex_};
  if (!closed_)
    natsConnection_Publish(connection_, push_subject, body.data(), static_cast<int>(body.size()));
}

void owner_link::on_push_msg(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                             void* self) {
  auto* link = static_cast<owner_link*>(self);
  auto push =
      decode_push({natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))});
  natsMsg_Destroy(msg);
  if (push && push->origin != link->instance_)
    link->on_push_(push->user, push->frame);
}

void owner_link::on_request_msg(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                                void* self) {
  auto* link = static_cast<owner_link*>(self);
  const char* reply = natsMsg_GetReply(msg);
  const int len = natsMsg_GetDataLength(msg);
  if (reply != nullptr && len == 0)
    link->answer(reply, "{}"); // a probe: this instance listens
  else if (reply != nullptr && len <= max_body)
    link->on_request_(std::string{natsMsg_GetData(msg), static_cast<std::size_t>(len)}, reply);
  natsMsg_Destroy(msg);
}

void owner_link::on_answer_msg(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                               void* self) {
  auto* link = static_cast<owner_link*>(self);
  const std::string_view subject = natsMsg_GetSubject(msg);
  const auto dot = subject.rfind('.');
  uint64_t token = 0;
  const auto digits = subject.substr(dot == std::string_view::npos ? 0 : dot + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), token);
  const int len = natsMsg_GetDataLength(msg);
  if (ec == std::errc{} && end == digits.data() + digits.size() && len <= max_body) {
    if (natsMsg_IsNoResponders(msg))
      link->on_answer_(token, std::nullopt);
    else
      link->on_answer_(token, std::string{natsMsg_GetData(msg), static_cast<std::size_t>(len)});
  }
  natsMsg_Destroy(msg);
}

} // namespace gh::nats
