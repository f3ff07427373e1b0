#pragma once

#include "persistence/ownership.hpp"

#include <nats/nats.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace gh::nats {

/// The subject on which instance `id` takes messages for the per-user actors it owns:
/// `gatehouse.owner.<id>`.
std::string owner_subject(std::string_view id);

/// `owner_channel` over NATS request/reply: this instance listens on its `owner_subject` and
/// answers on each request's reply subject; its own requests carry a reply subject under an
/// inbox of its own, so an answer finds its token again. nats-server's "no responders" status
/// (no subscriber on the owner's subject: its process is gone) arrives as an answer without a
/// body. It also relays frames that a per-user actor pushes to its user's WebSockets on the
/// other instances (`gatehouse.push`). The sinks are called on nats.c's delivery threads and
/// must not block.
class owner_link final : public owner_channel {
public:
  /// A frame another instance relayed for `user_id`'s WebSockets here.
  using push_sink = std::function<void(const std::string& user_id, const std::string& frame)>;

  /// Subscribes; nullptr (and `error`) when NATS refuses. The connection outlives the link.
  static std::unique_ptr<owner_link> open(natsConnection* connection, std::string_view instance,
                                          request_sink on_request, answer_sink on_answer,
                                          push_sink on_push, std::string& error);

  ~owner_link() override;
  owner_link(const owner_link&) = delete;
  owner_link& operator=(const owner_link&) = delete;

  bool send(std::string_view instance, std::string_view envelope, uint64_t token) override;
  void answer(std::string_view reply_to, std::string_view body) override;
  void probe(std::string_view instance, uint64_t token) override;

  /// Sends `frame` for `user_id` to every other instance.
  void relay(std::string_view user_id, std::string_view frame);

  /// Unsubscribes: nothing reaches the sinks afterwards, and `send` and `answer` do nothing (so
  /// a late answer never touches a closed connection). Idempotent.
  void close();

private:
  owner_link(natsConnection* connection, std::string_view instance, request_sink on_request,
             answer_sink on_answer, push_sink on_push)
      : connection_(connection), instance_(instance), on_request_(std::move(on_request)),
        on_answer_(std::move(on_answer)), on_push_(std::move(on_push)) {}

  static void on_request_msg(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* self);
  static void on_answer_msg(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* self);
  static void on_push_msg(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* self);

  std::mutex mutex_; ///< held while publishing, and while closing
  bool closed_ = false;
  natsConnection* connection_;
  std::string instance_;
  request_sink on_request_;
  answer_sink on_answer_;
  push_sink on_push_;
  std::string inbox_; ///< answers arrive on `<inbox_>.<token>`
  natsSubscription* requests_ = nullptr;
  natsSubscription* answers_ = nullptr;
  natsSubscription* pushes_ = nullptr;
};

} // namespace gh::nats
