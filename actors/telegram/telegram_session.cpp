#include "actors/telegram/telegram_session.hpp"
#include "actors/telegram/session_state.hpp"

#include "messages/event_envelope.hpp"
#include "messages/problem.hpp"
#include "messages/type_ids.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

namespace gh::telegram {

namespace json = boost::json;

namespace {

std::string redis_key(const std::string& user_id) {
  return "tg_session:" + user_id;
}

void push(const session_options& opt, const std::string& user_id, std::string_view event,
          json::object data) {
  if (opt.sinks != nullptr)
    opt.sinks->push_everywhere(user_id,
                               json::serialize(json::object{{"event", event}, {"data", data}}));
}

} // namespace

bool session_lease::take_slot() {
  if (counted_)
    return true;
  auto& live = *opt_.live;
  auto now = live.load();
  do {
    if (now >= opt_.max_sessions)
      return false;
  } while (!live.compare_exchange_weak(now, now + 1));
  counted_ = true;
  return true;
}

void session_lease::end(bool host_alive) {
  if (client_ >= 0 && opt_.host != nullptr) {
    if (host_alive)
      opt_.host->send(client_, {{"@type", "close"}});
    opt_.host->forget(client_);
  }
  client_ = -1;
  if (!dir_.empty() && opt_.dirs != nullptr)
    opt_.dirs->wipe(dir_);
  dir_.clear();
  if (!counted_)
    return;
  counted_ = false;
  opt_.live->fetch_sub(1);
  if (opt_.redis)
    caf::anon_send(opt_.redis, exec_atom_v, redis::command{"DEL", redis_key(user_id_)});
  push(opt_, user_id_, "tg.state", {{"state", "none"}});
}

void call(session_ptr self, json::object request, std::function<void(td_result)> next) {
  auto& st = self->state;
  const auto seq = ++st.next_seq;
  st.waiting.emplace(seq, std::move(next));
  st.opt.host->request(st.lease->client(), std::move(request), st.opt.request_timeout,
                       [to = caf::actor_cast<caf::actor>(self), seq](td_result r) {
                         caf::anon_send(to, td_answer{seq, std::move(r)});
                       });
}

void answer(session_ptr self, const std::shared_ptr<command_reply>& reply, std::string result) {
  self->state.open.erase(reply);
  reply->result(std::move(result));
}

void refuse(session_ptr self, const std::shared_ptr<command_reply>& reply, gh_errc code,
            std::string detail, std::string field) {
  self->state.open.erase(reply);
  std::vector<field_error> errors;
  if (!field.empty())
    errors.push_back({std::move(field), detail});
  reply->fail(code, std::move(detail), std::move(errors));
}

void refuse_result(session_ptr self, const std::shared_ptr<command_reply>& reply,
                   const td_result& result) {
  switch (result.how) {
  case td_result::outcome::answered: {
    auto [code, detail] = problem_of(result.value);
    refuse(self, reply, code, std::move(detail));
    return;
  }
  case td_result::outcome::timeout:
    refuse(self, reply, gh_errc::provider_unavailable,
           "Telegram did not answer in time; the session is still there, try again");
    return;
  case td_result::outcome::host_lost:
  case td_result::outcome::host_unavailable:
    refuse(self, reply, gh_errc::provider_unavailable, "the Telegram client stopped");
    return;
  }
}

std::string sender_name(session_ptr self, const json::object& sender_id) {
  const auto& st = self->state;
  if (type_of(sender_id) == "messageSenderUser") {
    const auto id = int_of(sender_id, "user_id");
    auto it = st.users.find(id);
    return it != st.users.end() ? it->second : "user " + std::to_string(id);
  }
  const auto id = int_of(sender_id, "chat_id");
  auto it = st.chats.find(id);
  return it != st.chats.end() ? it->second : "chat " + std::to_string(id);
}

namespace {

/// Writes `tg_session:{user_id}`: state, masked phone and owning instance, with the TTL.
void remember(session_ptr self) {
  auto& st = self->state;
  if (!st.opt.redis || !st.lease->active())
    return;
  const json::object meta{{"state", state_name(st.machine.visible())},
                          {"phone", masked_phone(st.phone)},
                          {"instance", st.opt.instance_id},
                          {"updated_at", to_rfc3339(std::chrono::system_clock::now())}};
  const auto seconds =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(st.opt.ttl).count());
  caf::anon_send(st.opt.redis, exec_atom_v,
                 redis::command{"SET", redis_key(st.key.user_id), json::serialize(meta), "EX",
                                std::to_string(seconds)});
}

std::string state_json(tg_state s) {
  return json::serialize(json::object{{"state", state_name(s)}});
}

/// Answers every command waiting for the state to leave where it was.
void settle_state_waits(session_ptr self) {
  auto& st = self->state;
  const auto now = st.machine.visible();
  for (auto it = st.state_waits.begin(); it != st.state_waits.end();) {
    if (it->second.from != now) {
      auto reply = std::move(it->second.reply);
      it = st.state_waits.erase(it);
      if (st.machine.current() == session_machine::phase::unsupported)
        refuse(self, reply, gh_errc::conflict,
               "this account needs a sign-in step the console does not offer; /tg logout");
      else
        answer(self, reply, state_json(now));
    } else {
      ++it;
    }
  }
}

/// Answers `reply` with the state once it is no longer `from` (at once if it is not).
void await_change(session_ptr self, std::shared_ptr<command_reply> reply, tg_state from) {
  auto& st = self->state;
  if (st.machine.current() == session_machine::phase::unsupported) {
    refuse(self, reply, gh_errc::conflict,
           "this account needs a sign-in step the console does not offer; /tg logout");
    return;
  }
  if (st.machine.visible() != from) {
    answer(self, reply, state_json(st.machine.visible()));
    return;
  }
  const auto seq = ++st.next_seq;
  st.state_waits.emplace(seq, state_wait{std::move(reply), from});
  self->delayed_send(self, st.opt.request_timeout, td_deadline{seq});
}

/// Ends the session: every open command is answered, the lease released, the state `none`.
void end_session(session_ptr self, bool host_alive, const std::string& why) {
  auto& st = self->state;
  st.waiting.clear();
  st.state_waits.clear();
  st.login_reply.reset();
  st.sends.clear();
  auto open = std::move(st.open);
  st.open.clear();
  for (const auto& reply : open)
    reply->fail(gh_errc::provider_unavailable, why);
  st.lease->end(host_alive);
  st.machine = session_machine{};
  st.phone.clear();
  st.users.clear();
  st.chats.clear();
}

/// Spends one of the user's commands of this minute; false (answered 429) when none is left.
bool spend(session_ptr self, const tg_command& cmd) {
  auto& st = self->state;
  const auto now = std::chrono::steady_clock::now();
  if (now - st.window_start >= std::chrono::minutes{1}) {
    st.window_start = now;
    st.window_count = 0;
  }
  if (++st.window_count <= st.opt.command_rate)
    return true;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(st.window_start +
                                                                     std::chrono::minutes{1} - now)
                        .count();
  cmd.reply->fail(gh_errc::rate_limited, "too many /tg commands; try again in " +
                                             std::to_string(std::max<int64_t>(left, 1)) + " s");
  return false;
}

std::string text_arg(const tg_command& cmd, std::string_view name) {
  const auto* v = cmd.args.if_contains(name);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

void send_phone(session_ptr self, const std::shared_ptr<command_reply>& reply) {
  call(self, {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", self->state.phone}},
       [self, reply](const td_result& r) {
         if (!r.answered() || r.is_error()) {
           refuse_result(self, reply, r);
           return;
         }
         await_change(self, reply, tg_state::none);
       });
}

void login(session_ptr self, const tg_command& cmd) {
  auto& st = self->state;
  const auto phone = normalized_phone(text_arg(cmd, "phone"));
  if (!phone) {
    refuse(self, cmd.reply, gh_errc::validation,
           "must be a phone number in international form, such as +12025550123", "args.phone");
    return;
  }
  // A phone step that timed out may be tried again on the same client.
  if (st.machine.current() == session_machine::phase::wait_phone) {
    st.phone = *phone;
    send_phone(self, cmd.reply);
    return;
  }
  if (auto why = st.machine.refuse("tg.login")) {
    refuse(self, cmd.reply, gh_errc::conflict, *why);
    return;
  }
  if (!st.opt.host->ready()) {
    const auto problem = st.opt.host->problem();
    refuse(self, cmd.reply, gh_errc::provider_unavailable,
           "Telegram is unavailable: " + (problem.empty() ? "its client is starting" : problem));
    return;
  }
  if (!st.lease->take_slot()) {
    refuse(self, cmd.reply, gh_errc::provider_unavailable,
           "this Gatehouse instance holds as many Telegram sessions as it may; try later");
    return;
  }
  auto dir = st.opt.dirs->make();
  if (!dir) {
    end_session(self, true, "no session directory");
    refuse(self, cmd.reply, gh_errc::provider_unavailable,
           "Telegram is unavailable: no session directory");
    return;
  }
  st.lease->set_dir(std::move(*dir));
  st.machine.begin();
  st.phone = *phone;
  st.login_reply = cmd.reply;
  const auto me = caf::actor_cast<caf::actor>(self);
  client_listener listener{[me](json::object o) { caf::anon_send(me, td_update{std::move(o)}); },
                           [me] { caf::anon_send(me, td_lost{}); }};
  st.opt.host->create_client(std::move(listener), st.opt.request_timeout,
                             [me](std::optional<int> id) { caf::anon_send(me, td_created{id}); });
}

/// The client exists: its parameters, then the phone number.
void on_created(session_ptr self, std::optional<int> client) {
  auto& st = self->state;
  auto reply = std::move(st.login_reply);
  st.login_reply.reset();
  if (!reply) {
    // The login ended (logout, the host's death) before its client came: close it unused.
    if (client) {
      st.opt.host->send(*client, {{"@type", "close"}});
      st.opt.host->forget(*client);
    }
    return;
  }
  if (!client) {
    end_session(self, true, "the Telegram client could not be created");
    refuse(self, reply, gh_errc::provider_unavailable, "the Telegram client could not be created");
    return;
  }
  st.lease->set_client(*client);
  remember(self);
  call(self, tdlib_parameters(st.opt.client, st.lease->dir()), [self, reply](const td_result& r) {
    if (!r.answered() || r.is_error()) {
      refuse_result(self, reply, r);
      end_session(self, true, "the Telegram client refused its parameters");
      return;
    }
    send_phone(self, reply);
  });
}

void logout(session_ptr self, const tg_command& cmd) {
  auto& st = self->state;
  const auto done = [self, reply = cmd.reply] {
    self->state.open.erase(reply);
    end_session(self, true, "the session was logged out");
    answer(self, reply, state_json(tg_state::none));
  };
  if (!st.lease->active()) {
    done();
    return;
  }
  using p = session_machine::phase;
  const auto phase = st.machine.current();
  st.machine.apply("authorizationStateLoggingOut");
  if (st.lease->client() < 0 || phase == p::starting || phase == p::wait_phone) {
    done();
    return;
  }
  // Telegram forgets the session on its side too; without an answer in time, the client is
  // closed and its files wiped all the same.
  call(self, {{"@type", "logOut"}}, [done](const td_result&) { done(); });
}

void status(session_ptr self, const tg_command& cmd) {
  auto& st = self->state;
  json::object out{{"state", state_name(st.machine.visible())}};
  if (st.lease->active() && !st.phone.empty())
    out["phone"] = masked_phone(st.phone);
  answer(self, cmd.reply, json::serialize(out));
}

void on_command(session_ptr self, tg_command& cmd) {
  auto& st = self->state;
  if (!spend(self, cmd))
    return;
  st.open.insert(cmd.reply);
  remember(self);
  if (cmd.name == "tg.login")
    return login(self, cmd);
  if (cmd.name == "tg.logout")
    return logout(self, cmd);
  if (cmd.name == "tg.status")
    return status(self, cmd);
  if (auto why = st.machine.refuse(cmd.name)) {
    refuse(self, cmd.reply, gh_errc::conflict, *why);
    return;
  }
  if (cmd.name == "tg.code" || cmd.name == "tg.password") {
    const bool code = cmd.name == "tg.code";
    const auto value = text_arg(cmd, code ? "code" : "password");
    if (auto problem = argument_problem(code ? "code" : "password", value)) {
      refuse(self, cmd.reply, gh_errc::validation, *problem, code ? "args.code" : "args.password");
      return;
    }
    const auto from = st.machine.visible();
    json::object request =
        code ? json::object{{"@type", "checkAuthenticationCode"}, {"code", value}}
             : json::object{{"@type", "checkAuthenticationPassword"}, {"password", value}};
    call(self, std::move(request), [self, reply = cmd.reply, from](const td_result& r) {
      if (!r.answered() || r.is_error()) {
        refuse_result(self, reply, r);
        return;
      }
      await_change(self, reply, from);
    });
    return;
  }
  run_read(self, cmd);
}

void on_update(session_ptr self, json::object& update) {
  auto& st = self->state;
  const auto type = type_of(update);
  if (type == "updateAuthorizationState") {
    const auto* state = object_of(update, "authorization_state");
    if (state == nullptr)
      return;
    if (st.machine.apply(type_of(*state))) {
      push(st.opt, st.key.user_id, "tg.state", {{"state", state_name(st.machine.visible())}});
      remember(self);
    }
    settle_state_waits(self);
    // TDLib closed the client by itself (a session revoked from another device).
    if (st.machine.current() == session_machine::phase::closed && st.lease->active())
      end_session(self, false, "Telegram closed the session");
  } else if (type == "updateUser") {
    const auto* user = object_of(update, "user");
    if (user == nullptr || st.users.size() >= max_cached_names)
      return;
    std::string name{string_of(*user, "first_name")};
    if (auto last = string_of(*user, "last_name"); !last.empty())
      name += (name.empty() ? "" : " ") + std::string{last};
    st.users[int_of(*user, "id")] = std::move(name);
  } else if (type == "updateNewChat") {
    const auto* chat = object_of(update, "chat");
    if (chat != nullptr && st.chats.size() < max_cached_names)
      st.chats[int_of(*chat, "id")] = std::string{string_of(*chat, "title")};
  } else if (type == "updateChatTitle") {
    if (auto it = st.chats.find(int_of(update, "chat_id")); it != st.chats.end())
      it->second = std::string{string_of(update, "title")};
  } else if (type == "updateNewMessage") {
    const auto* message = object_of(update, "message");
    if (message == nullptr || message->if_contains("is_outgoing") == nullptr ||
        message->at("is_outgoing") != false)
      return;
    auto view =
        message_view(*message, [self](const json::object& s) { return sender_name(self, s); });
    const auto chat_id = view.at("chat_id");
    push(st.opt, st.key.user_id, "tg.message",
         {{"chat_id", chat_id}, {"message", std::move(view)}});
  } else if (type == "updateMessageSendSucceeded" || type == "updateMessageSendFailed") {
    settle_send(self, update);
  }
}

void on_deadline(session_ptr self, uint64_t seq) {
  auto& st = self->state;
  if (auto it = st.state_waits.find(seq); it != st.state_waits.end()) {
    auto reply = std::move(it->second.reply);
    st.state_waits.erase(it);
    refuse(self, reply, gh_errc::provider_unavailable,
           "Telegram did not answer in time; the session is still there, try again");
    return;
  }
  for (auto it = st.sends.begin(); it != st.sends.end(); ++it) {
    if (it->second.seq != seq)
      continue;
    auto reply = std::move(it->second.reply);
    st.sends.erase(it);
    refuse(self, reply, gh_errc::provider_unavailable,
           "Telegram has not confirmed the message yet; /tg history shows whether it arrived");
    return;
  }
}

caf::behavior session_impl(session_ptr self, user_key key, session_options options) {
  self->state.opt = std::move(options);
  self->state.key = std::move(key);
  self->state.lease = std::make_shared<session_lease>(self->state.opt, self->state.key.user_id);
  // However the actor ends (logout aside: the registry's idle reap, shutdown, a crash), the
  // client, its directory and its Redis key go with it.
  self->attach_functor([lease = self->state.lease] { lease->end(true); });
  return {
      [self](tg_command& cmd) { on_command(self, cmd); },
      [self](td_update& u) { on_update(self, u.value); },
      [self](td_answer& a) {
        auto& waiting = self->state.waiting;
        auto it = waiting.find(a.seq);
        if (it == waiting.end())
          return;
        auto next = std::move(it->second);
        waiting.erase(it);
        next(std::move(a.result));
      },
      [self](td_created& c) { on_created(self, c.client); },
      [self](td_lost&) {
        if (self->state.lease->active()) {
          self->state.lease->set_client(-1);
          end_session(self, false, "the Telegram client stopped (its host restarted)");
        }
      },
      [self](td_deadline& d) { on_deadline(self, d.seq); },
  };
}

} // namespace

caf::actor spawn_telegram_session(caf::local_actor* parent, const user_key& key,
                                  const session_options& options) {
  if (key.user_id.empty() || !key.key.empty())
    return nullptr;
  return parent->spawn(session_impl, key, options);
}

namespace {

/// A command for a session another instance holds travels as `{"name", "args"}`; its answer
/// comes back as the command's result or problem (`reply_as_text`).
user_actor_remote session_remote() {
  user_actor_remote r;
  r.outgoing = [](const user_key& /*key*/, caf::message& msg, caf::response_promise& /*promise*/)
      -> std::optional<std::pair<std::string, user_actor_remote::answer_fn>> {
    if (!msg.match_elements<tg_command>())
      return std::nullopt;
    auto& cmd = msg.get_mutable_as<tg_command>(0);
    boost::json::object o;
    o["name"] = cmd.name;
    o["args"] = cmd.args;
    return std::pair{
        boost::json::serialize(o),
        user_actor_remote::answer_fn{[reply = cmd.reply](const caf::expected<std::string>& answer) {
          if (reply)
            answer_from_text(*reply, answer);
        }}};
  };
  r.incoming = [](caf::event_based_actor* self, const caf::actor& actor, std::string_view text,
                  user_actor_remote::reply_fn reply) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    const auto* o = ec ? nullptr : v.if_object();
    const auto* name = o == nullptr ? nullptr : o->if_contains("name");
    const auto* args = o == nullptr ? nullptr : o->if_contains("args");
    if (name == nullptr || !name->is_string() || !name->as_string().starts_with("tg.") ||
        name->as_string().size() > 64 || args == nullptr || !args->is_object())
      return false;
    self->send(actor, tg_command{std::string{name->as_string()}, args->as_object(),
                                 reply_as_text(std::move(reply))});
    return true;
  };
  return r;
}

} // namespace

user_actor_kind telegram_session_kind(const session_options& options) {
  return {[options](caf::local_actor* parent, const user_key& key) {
            return spawn_telegram_session(parent, key, options);
          },
          options.ttl,
          // A command reaches the session by message; refused, it still gets its answer.
          [](caf::message& refused) {
            if (refused.match_elements<tg_command>())
              if (auto& reply = refused.get_mutable_as<tg_command>(0).reply)
                reply->fail(gh_errc::provider_unavailable,
                            "this instance is draining; connect again to reach another one");
          },
          session_remote()};
}

} // namespace gh::telegram
