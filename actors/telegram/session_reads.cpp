// What a signed-in session does: `/tg chats`, `/tg history`, `/tg send`, `/tg search`.
#include "actors/telegram/session_state.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace gh::telegram {

namespace json = boost::json;

namespace {

/// Chats `getChats` lists at most (and a title lookup loads).
constexpr int64_t max_chats = 100;

int64_t count_arg(const tg_command& cmd) {
  const auto* n = cmd.args.if_contains("n");
  return n != nullptr && n->is_int64() ? n->as_int64() : 20;
}

std::string string_arg(const tg_command& cmd, std::string_view name) {
  const auto* v = cmd.args.if_contains(name);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

/// Checks the text arguments `names` of `cmd`; false (answered 400) when one is wrong.
bool checked(session_ptr self, const tg_command& cmd, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto problem = argument_problem(name, string_arg(cmd, name))) {
      refuse(self, cmd.reply, gh_errc::validation, *problem, std::string{"args."} + name);
      return false;
    }
  }
  return true;
}

json::array messages_of(session_ptr self, const json::object& found) {
  json::array out;
  const auto* list = found.if_contains("messages");
  if (list == nullptr || !list->is_array())
    return out;
  const auto namer = [self](const json::object& s) { return sender_name(self, s); };
  for (const auto& m : list->as_array())
    if (const auto* o = m.if_object())
      out.push_back(message_view(*o, namer));
  return out;
}

/// The id of the chat `ref` names, then `next(id)`; a chat that does not exist is 404.
void resolve_chat(session_ptr self, const std::shared_ptr<command_reply>& reply,
                  const chat_ref& ref, std::function<void(int64_t)> next) {
  if (const auto* id = std::get_if<int64_t>(&ref)) {
    call(self, {{"@type", "getChat"}, {"chat_id", *id}},
         [self, reply, id = *id, next = std::move(next)](td_result r) {
           if (!r.answered() || r.is_error()) {
             refuse_result(self, reply, r);
             return;
           }
           next(id);
         });
    return;
  }
  const auto title = std::get<std::string>(ref);
  auto find = [self, title]() -> std::optional<int64_t> {
    for (const auto& [id, t] : self->state.chats)
      if (t == title)
        return id;
    return std::nullopt;
  };
  if (auto id = find()) {
    next(*id);
    return;
  }
  // TDLib announces every chat (`updateNewChat`) before it lists it: load the list, look again.
  call(self,
       {{"@type", "getChats"}, {"chat_list", {{"@type", "chatListMain"}}}, {"limit", max_chats}},
       [self, reply, find, next = std::move(next)](td_result r) {
         if (!r.answered() || r.is_error()) {
           refuse_result(self, reply, r);
           return;
         }
         if (auto id = find())
           next(*id);
         else
           refuse(self, reply, gh_errc::not_found,
                  "no chat with that title; /tg chats lists them, ids work too");
       });
}

void chats(session_ptr self, const tg_command& cmd) {
  call(self,
       {{"@type", "getChats"},
        {"chat_list", {{"@type", "chatListMain"}}},
        {"limit", count_arg(cmd)}},
       [self, reply = cmd.reply](td_result r) {
         if (!r.answered() || r.is_error()) {
           refuse_result(self, reply, r);
           return;
         }
         std::vector<int64_t> ids;
         if (const auto* list = r.value.if_contains("chat_ids"); list && list->is_array())
           for (const auto& id : list->as_array())
             if (id.is_int64() && ids.size() < static_cast<std::size_t>(max_chats))
               ids.push_back(id.as_int64());
         if (ids.empty()) {
           answer(self, reply, "[]");
           return;
         }
         // One getChat each, answered together in Telegram's order.
         struct gather {
           std::vector<std::optional<json::object>> chats;
           std::size_t left = 0;
         };
         auto all = std::make_shared<gather>();
         all->chats.resize(ids.size());
         all->left = ids.size();
         for (std::size_t i = 0; i < ids.size(); ++i)
           call(self, {{"@type", "getChat"}, {"chat_id", ids[i]}},
                [self, reply, all, i](td_result chat) {
                  if (chat.answered() && !chat.is_error()) {
                    if (self->state.chats.size() < max_cached_names)
                      self->state.chats[int_of(chat.value, "id")] =
                          std::string{string_of(chat.value, "title")};
                    all->chats[i] = chat_view(chat.value);
                  }
                  if (--all->left > 0)
                    return;
                  json::array out;
                  for (auto& c : all->chats)
                    if (c)
                      out.push_back(std::move(*c));
                  answer(self, reply, json::serialize(out));
                });
       });
}

void history(session_ptr self, const tg_command& cmd) {
  if (!checked(self, cmd, {"chat"}))
    return;
  const auto n = count_arg(cmd);
  resolve_chat(self, cmd.reply, chat_of(string_arg(cmd, "chat")),
               [self, reply = cmd.reply, n](int64_t chat_id) {
                 call(self,
                      {{"@type", "getChatHistory"},
                       {"chat_id", chat_id},
                       {"from_message_id", 0},
                       {"offset", 0},
                       {"limit", n},
                       {"only_local", false}},
                      [self, reply](td_result r) {
                        if (!r.answered() || r.is_error()) {
                          refuse_result(self, reply, r);
                          return;
                        }
                        answer(self, reply, json::serialize(messages_of(self, r.value)));
                      });
               });
}

void send(session_ptr self, const tg_command& cmd) {
  if (!checked(self, cmd, {"chat", "text"}))
    return;
  auto text = string_arg(cmd, "text");
  resolve_chat(
      self, cmd.reply, chat_of(string_arg(cmd, "chat")),
      [self, reply = cmd.reply, text = std::move(text)](int64_t chat_id) {
        json::object content{{"@type", "inputMessageText"},
                             {"text", json::object{{"@type", "formattedText"},
                                                   {"text", text},
                                                   {"entities", json::array{}}}}};
        call(self,
             {{"@type", "sendMessage"}, {"chat_id", chat_id}, {"input_message_content", content}},
             [self, reply, chat_id](td_result r) {
               if (!r.answered() || r.is_error()) {
                 refuse_result(self, reply, r);
                 return;
               }
               // The answer is the message on its way; Telegram confirms it with its real id.
               auto& st = self->state;
               const auto seq = ++st.next_seq;
               st.sends[int_of(r.value, "id")] = send_wait{reply, chat_id, seq};
               self->delayed_send(self, st.opt.request_timeout, td_deadline{seq});
             });
      });
}

void search(session_ptr self, const tg_command& cmd) {
  if (!checked(self, cmd, {"query"}))
    return;
  call(self,
       {{"@type", "searchMessages"},
        {"query", string_arg(cmd, "query")},
        {"offset", ""},
        {"limit", 20},
        {"min_date", 0},
        {"max_date", 0}},
       [self, reply = cmd.reply](td_result r) {
         if (!r.answered() || r.is_error()) {
           refuse_result(self, reply, r);
           return;
         }
         answer(self, reply, json::serialize(messages_of(self, r.value)));
       });
}

} // namespace

void run_read(session_ptr self, const tg_command& cmd) {
  if (cmd.name == "tg.chats")
    chats(self, cmd);
  else if (cmd.name == "tg.history")
    history(self, cmd);
  else if (cmd.name == "tg.send")
    send(self, cmd);
  else if (cmd.name == "tg.search")
    search(self, cmd);
  else
    refuse(self, cmd.reply, gh_errc::validation, "unknown Telegram command");
}

void settle_send(session_ptr self, const json::object& update) {
  auto& st = self->state;
  auto it = st.sends.find(int_of(update, "old_message_id"));
  if (it == st.sends.end())
    return;
  auto wait = std::move(it->second);
  st.sends.erase(it);
  if (type_of(update) == "updateMessageSendFailed") {
    const auto* error = object_of(update, "error");
    auto [code, detail] = error != nullptr ? problem_of(*error)
                                           : std::pair{gh_errc::provider_unavailable,
                                                       std::string{"Telegram did not send it"}};
    refuse(self, wait.reply, code, std::move(detail));
    return;
  }
  const auto* message = object_of(update, "message");
  const auto id = message != nullptr ? int_of(*message, "id") : 0;
  answer(self, wait.reply,
         json::serialize(json::object{{"chat_id", wait.chat_id}, {"message_id", id}}));
}

} // namespace gh::telegram
