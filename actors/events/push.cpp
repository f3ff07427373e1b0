#include "actors/events/push.hpp"

#include "messages/event_envelope.hpp"

#include <boost/json/serialize.hpp>

namespace gh::events {

user_push::user_push(natsConnection* conn, user_sinks& sinks, event_stats* stats,
                     std::vector<push_spec> subjects, actor_route to_actor)
    : conn_(conn), sinks_(sinks), stats_(stats), to_actor_(std::move(to_actor)) {
  for (auto& spec : subjects)
    subs_.push_back(std::make_unique<subscription>(subscription{this, std::move(spec), nullptr}));
}

user_push::~user_push() {
  stop();
}

bool user_push::start() {
  for (auto& s : subs_) {
    if (natsConnection_Subscribe(&s->sub, conn_, s->spec.subject.c_str(), &user_push::on_message,
                                 s.get()) != NATS_OK) {
      s->sub = nullptr;
      stop();
      return false;
    }
  }
  return true;
}

void user_push::stop() {
  for (auto& s : subs_) {
    if (s->sub == nullptr)
      continue;
    natsSubscription_Unsubscribe(s->sub);
    natsSubscription_Destroy(s->sub);
    s->sub = nullptr;
  }
}

user_push::pushed_frame user_push::frame_for(std::string_view text, std::string_view key_field) {
  auto decoded = decode_event(text);
  auto* event = std::get_if<event_envelope>(&decoded);
  if (event == nullptr)
    return {};
  const auto* user = event->data.if_contains("user_id");
  if (user == nullptr || !user->is_string() || !is_uuid(user->get_string()))
    return {};
  std::string key;
  if (!key_field.empty())
    if (const auto* id = event->data.if_contains(key_field);
        id != nullptr && id->is_string() && is_uuid(id->get_string()))
      key = std::string{id->get_string()};
  boost::json::object frame;
  frame["event"] = event->type;
  frame["data"] = event->data;
  return {std::string{user->get_string()}, boost::json::serialize(frame), std::move(key)};
}

std::optional<user_push::audience_frame> user_push::frame_for_audience(std::string_view text) {
  auto decoded = decode_event(text);
  auto* event = std::get_if<event_envelope>(&decoded);
  if (event == nullptr)
    return std::nullopt;
  boost::json::object frame;
  frame["event"] = event->type;
  frame["data"] = event->data;
  return audience_frame{std::move(event->data), boost::json::serialize(frame)};
}

void user_push::on_message(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                           void* closure) {
  const auto* s = static_cast<const subscription*>(closure);
  auto* self = s->owner;
  const std::string_view text{natsMsg_GetData(msg),
                              static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
  if (s->spec.audience) {
    auto pushed = frame_for_audience(text);
    natsMsg_Destroy(msg);
    if (!pushed)
      return;
    // The sinks and the figures outlive every actor, so the audience may deliver from one.
    s->spec.audience(pushed->data,
                     [&sinks = self->sinks_, stats = self->stats_,
                      frame = std::move(pushed->frame)](const std::vector<std::string>& users) {
                       std::size_t n = 0;
                       for (const auto& user : users)
                         n += sinks.push(user, frame);
                       if (stats != nullptr)
                         stats->pushed_frames.fetch_add(n, std::memory_order_relaxed);
                     });
    return;
  }
  auto [user, frame, key] = frame_for(text, s->spec.key_field);
  natsMsg_Destroy(msg);
  if (user.empty())
    return;
  if (!s->spec.via_kind.empty() && !key.empty() && self->to_actor_) {
    self->to_actor_(user_key{s->spec.via_kind, user, key}, frame);
    return;
  }
  const auto n = self->sinks_.push(user, frame);
  if (self->stats_ != nullptr)
    self->stats_->pushed_frames.fetch_add(n, std::memory_order_relaxed);
}

} // namespace gh::events
