#include "actors/events/push.hpp"

#include "messages/event_envelope.hpp"

#include <boost/json/serialize.hpp>

namespace gh::events {

namespace {

/// The subjects whose events reach the user's WebSockets.
constexpr const char* pushed_subjects[] = {"user.updated", "subscription.updated",
                                           "payment.completed"};

} // namespace

user_push::user_push(natsConnection* conn, user_sinks& sinks, event_stats* stats,
                     checkout_route to_checkout)
    : conn_(conn), sinks_(sinks), stats_(stats), to_checkout_(std::move(to_checkout)) {}

user_push::~user_push() {
  stop();
}

bool user_push::start() {
  for (const char* subject : pushed_subjects) {
    natsSubscription* sub = nullptr;
    if (natsConnection_Subscribe(&sub, conn_, subject, &user_push::on_message, this) != NATS_OK) {
      stop();
      return false;
    }
    subs_.push_back(sub);
  }
  return true;
}

void user_push::stop() {
  for (auto* sub : subs_) {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
  subs_.clear();
}

user_push::pushed_frame user_push::frame_for(std::string_view text) {
  auto decoded = decode_event(text);
  auto* event = std::get_if<event_envelope>(&decoded);
  if (event == nullptr)
    return {};
  const auto* user = event->data.if_contains("user_id");
  if (user == nullptr || !user->is_string() || !is_uuid(user->get_string()))
    return {};
  std::string checkout;
  if (event->type == "payment.completed")
    if (const auto* id = event->data.if_contains("checkout_id");
        id != nullptr && id->is_string() && is_uuid(id->get_string()))
      checkout = std::string{id->get_string()};
  boost::json::object frame;
  frame["event"] = event->type;
  frame["data"] = event->data;
  return {std::string{user->get_string()}, boost::json::serialize(frame), std::move(checkout)};
}

void user_push::on_message(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                           void* closure) {
  auto* self = static_cast<user_push*>(closure);
  const std::string_view text{natsMsg_GetData(msg),
                              static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
  auto [user, frame, checkout] = frame_for(text);
  natsMsg_Destroy(msg);
  if (user.empty())
    return;
  if (!checkout.empty() && self->to_checkout_) {
    // The checkout's actor takes the change in first, then pushes.
    self->to_checkout_(user, checkout, frame);
    return;
  }
  const auto n = self->sinks_.push(user, frame);
  if (self->stats_ != nullptr)
    self->stats_->pushed_frames.fetch_add(n, std::memory_order_relaxed);
}

} // namespace gh::events
