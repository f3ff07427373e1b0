#include "actors/console/console.hpp"

#include "actors/console/frames.hpp"
#include "crypto/crypto.hpp"
#include "messages/type_ids.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gh::console {

namespace {

using clock = std::chrono::steady_clock;
using counter = std::shared_ptr<std::atomic<std::size_t>>;

/// Where a frame's reply goes: its socket, or the REST request's responder.
using deliver_fn = std::function<void(std::string frame, command_headers headers)>;

/// The reply of one running command: the first answer (the command's, the console's deadline,
/// or the internal error of a reply destroyed unanswered) becomes the frame; the others are
/// dropped. Frees its slot of the in-flight limit when it answers.
class pending_command final : public command_reply {
public:
  pending_command(boost::json::value id, deliver_fn deliver, counter in_flight,
                  clock::time_point deadline)
      : id_(std::move(id)), deliver_(std::move(deliver)), in_flight_(std::move(in_flight)),
        deadline_(deadline) {}

  ~pending_command() override {
    if (finish())
      deliver_(error_frame(id_, make_problem(gh_errc::internal, "the command was not answered")),
               {});
  }

  pending_command(const pending_command&) = delete;
  pending_command& operator=(const pending_command&) = delete;

  void result(std::string json, command_headers headers) override {
    if (finish())
      deliver_(ok_frame(id_, json), std::move(headers));
  }

  void problem(std::string problem_json) override {
    if (finish())
      deliver_(error_frame(id_, problem_json), {});
  }

  /// Answers 503 when the deadline passed; true when this command is over.
  bool expire(clock::time_point now) {
    if (done_.load())
      return true;
    if (now < deadline_)
      return false;
    if (finish())
      deliver_(error_frame(
                   id_, make_problem(gh_errc::provider_unavailable, "the command took too long")),
               {});
    return true;
  }

private:
  bool finish() {
    if (done_.exchange(true))
      return false;
    in_flight_->fetch_sub(1);
    return true;
  }

  boost::json::value id_;
  deliver_fn deliver_;
  counter in_flight_;
  clock::time_point deadline_;
  std::atomic<bool> done_{false};
};

/// Who is calling and how to answer, for one decoded request.
struct caller {
  std::string key; ///< in-flight slot: `ws:<connection>` or `user:<id>`
  principal who;
  std::string remote_ip;
  std::string request_id;
  deliver_fn deliver;
};

struct console_state {
  console_options opt;
  /// Running commands per connection (or REST user); entries at zero are swept.
  std::unordered_map<std::string, counter> in_flight;
  /// Running commands, for their deadlines.
  std::vector<std::weak_ptr<pending_command>> running;
};

using self_ptr = caf::stateful_actor<console_state>*;

void rejected(const console_state& st) {
  if (st.opt.stats != nullptr)
    st.opt.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
}

/// Decodes `text`, resolves the command and runs it, or answers the problem at once.
void run_frame(self_ptr self, std::string_view text, caller from) {
  auto& st = self->state;
  auto decoded = decode_frame(text);
  if (auto* failed = std::get_if<frame_failure>(&decoded)) {
    rejected(st);
    failed->why.request_id = from.request_id;
    from.deliver(error_frame(failed->id, failed->why), {});
    return;
  }
  auto& req = std::get<console_request>(decoded);
  const auto& commands = *st.opt.commands;
  auto resolved =
      req.typed ? commands.resolve_line(req.line) : commands.resolve_call(req.cmd, req.args);
  if (auto* bad = std::get_if<command_error>(&resolved)) {
    rejected(st);
    from.deliver(error_frame(req.id, make_problem(gh_errc::validation, std::move(bad->detail),
                                                  from.request_id, std::move(bad->errors))),
                 {});
    return;
  }
  auto& slot = st.in_flight[from.key];
  if (!slot)
    slot = std::make_shared<std::atomic<std::size_t>>(0);
  if (slot->load() >= st.opt.max_in_flight) {
    rejected(st);
    from.deliver(
        error_frame(req.id, make_problem(gh_errc::rate_limited,
                                         "at most " + std::to_string(st.opt.max_in_flight) +
                                             " commands may run at once; wait for an answer",
                                         from.request_id)),
        {});
    return;
  }
  slot->fetch_add(1);
  auto& found = std::get<resolved_command>(resolved);
  auto pending = std::make_shared<pending_command>(std::move(req.id), std::move(from.deliver), slot,
                                                   clock::now() + st.opt.deadline);
  st.running.push_back(pending);
  found.spec->handler(command_call{found.spec->name, std::move(found.args), std::move(from.who),
                                   std::move(from.request_id), std::move(from.remote_ip),
                                   std::move(pending)});
}

/// Answers commands past their deadline and forgets finished ones and idle slots.
void sweep(console_state& st) {
  const auto now = clock::now();
  std::erase_if(st.running, [now](const std::weak_ptr<pending_command>& weak) {
    auto p = weak.lock();
    return !p || p->expire(now);
  });
  std::erase_if(st.in_flight, [](const auto& entry) { return entry.second->load() == 0; });
}

caf::behavior console_impl(self_ptr self, console_options options) {
  self->state.opt = std::move(options);
  self->send(self, tick_atom_v);
  return {
      [self](ws_frame& frame) {
        if (!frame.sink)
          return;
        auto sink = frame.sink;
        run_frame(self, frame.text,
                  caller{"ws:" + std::to_string(frame.connection_id), std::move(frame.who),
                         std::move(frame.remote_ip), crypto::random_token(12),
                         [sink](std::string reply, const command_headers&) {
                           sink->push(make_frame(std::move(reply)));
                         }});
      },
      [self](http_request& req) {
        auto reply = req.reply;
        const auto key = "user:" + req.auth.user_id;
        if (!req.auth.is_user()) {
          reply->fail(gh_errc::unauthorized, "a valid access token is required");
          return;
        }
        run_frame(
            self, req.body,
            caller{
                key, std::move(req.auth), std::move(req.remote_ip), req.request_id,
                [reply](std::string frame, command_headers headers) {
                  reply->respond({200, "application/json", std::move(frame), std::move(headers)});
                }});
      },
      [self](tick_atom) {
        sweep(self->state);
        self->delayed_send(self, std::chrono::seconds{1}, tick_atom_v);
      },
  };
}

} // namespace

caf::actor spawn_console(caf::actor_system& sys, console_options options) {
  return sys.spawn(console_impl, std::move(options));
}

} // namespace gh::console
