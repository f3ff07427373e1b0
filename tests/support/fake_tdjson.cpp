// A fake libtdjson.so for the tests: it exports TDLib's JSON interface (td_create_client_id,
// td_send, td_receive, td_execute) and speaks TDLib 1.8.65's JSON for the requests Gatehouse
// makes: `@type`, `@client_id` on everything, `@extra` echoed, int53 ids as numbers and int64
// values as strings. It plays Telegram as a script:
//
// - `getOption version` (synchronous) answers `FAKE_TDJSON_VERSION` or "1.8.65".
// - A client starts on its first request (`authorizationStateWaitTdlibParameters`);
//   `setTdlibParameters` (databases must be off) writes `td.binlog` into `database_directory`
//   and leads to `authorizationStateWaitPhoneNumber`.
// - A phone number ending in 99 is never answered (Telegram unreachable); one ending in 2 has a
//   two-step password. The code is 12345, the password "correct horse battery staple".
// - Chats: Alice (1001, user 501), Book Club (1002) and Broken (1003, whose history fails with an
//   injected error 500); a search for "boom" fails likewise.
// - `sendMessage` answers the pending message, then `updateMessageSendSucceeded` with its final
//   id; a text "echo <words>" makes Alice answer <words> as a new incoming message
//   (`updateNewMessage`); a text "abort!" aborts the process (TDLib crashing).
// - `logOut` and `close` go through Closing to `authorizationStateClosed`; later requests fail
//   with 500 "Request aborted".
#include <boost/json.hpp>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;

struct message {
  int64_t id = 0;
  int64_t chat_id = 0;
  int64_t sender_user = 0;
  int64_t date = 0;
  std::string text;
  bool outgoing = false;
};

struct client {
  bool started = false;
  std::string state = "authorizationStateWaitTdlibParameters";
  bool needs_password = false;
  std::map<int64_t, std::vector<message>> history; // oldest first
  int64_t next_message = 100;
};

struct world {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> out;
  std::map<int, client> clients;
  int next_client = 0;
  std::string last_received;
  std::string last_executed;
};

world& the_world() {
  static world w;
  return w;
}

constexpr int64_t alice = 501;
constexpr int64_t me = 777;
constexpr int64_t base_date = 1767225600; // 2026-01-01T00:00:00Z

const char* title_of(int64_t chat) {
  switch (chat) {
  case 1001:
    return "Alice";
  case 1002:
    return "Book Club";
  case 1003:
    return "Broken";
  default:
    return nullptr;
  }
}

json::object message_json(const message& m) {
  return {{"@type", "message"},
          {"id", m.id},
          {"sender_id", json::object{{"@type", "messageSenderUser"}, {"user_id", m.sender_user}}},
          {"chat_id", m.chat_id},
          {"is_outgoing", m.outgoing},
          {"date", m.date},
          {"content", json::object{{"@type", "messageText"},
                                   {"text", json::object{{"@type", "formattedText"},
                                                         {"text", m.text},
                                                         {"entities", json::array{}}}}}}};
}

json::object chat_json(client& c, int64_t id) {
  json::object o{{"@type", "chat"},
                 {"id", id},
                 {"title", title_of(id)},
                 {"unread_count", id == 1001 ? 2 : 0},
                 {"positions", json::array{json::object{{"@type", "chatPosition"},
                                                        {"list", {{"@type", "chatListMain"}}},
                                                        {"order", std::to_string(9000 - id)},
                                                        {"is_pinned", false}}}}};
  auto& h = c.history[id];
  if (!h.empty())
    o["last_message"] = message_json(h.back());
  return o;
}

void emit(world& w, int client_id, json::object o) {
  o["@client_id"] = client_id;
  w.out.push_back(json::serialize(o));
  w.ready.notify_one();
}

void answer(world& w, int client_id, const json::value* extra, json::object o) {
  if (extra != nullptr)
    o["@extra"] = *extra;
  emit(w, client_id, std::move(o));
}

json::object error(int code, std::string text) {
  return {{"@type", "error"}, {"code", code}, {"message", std::move(text)}};
}

json::object ok() {
  return {{"@type", "ok"}};
}

void set_state(world& w, int id, client& c, const std::string& state) {
  c.state = state;
  emit(w, id, {{"@type", "updateAuthorizationState"}, {"authorization_state", {{"@type", state}}}});
}

void become_ready(world& w, int id, client& c) {
  emit(w, id,
       {{"@type", "updateUser"},
        {"user", {{"@type", "user"}, {"id", me}, {"first_name", "Me"}, {"last_name", "Myself"}}}});
  emit(w, id,
       {{"@type", "updateUser"},
        {"user",
         {{"@type", "user"}, {"id", alice}, {"first_name", "Alice"}, {"last_name", "Example"}}}});
  for (int64_t chat : {1001, 1002, 1003}) {
    auto& h = c.history[chat];
    for (int i = 1; i <= 3; ++i)
      h.push_back({chat * 1000 + i * 1048576, chat, chat == 1001 ? alice : me, base_date + i * 60,
                   std::string{title_of(chat)} + " message " + std::to_string(i), chat != 1001});
    emit(w, id, {{"@type", "updateNewChat"}, {"chat", chat_json(c, chat)}});
  }
  set_state(w, id, c, "authorizationStateReady");
}

void close_client(world& w, int id, client& c) {
  set_state(w, id, c, "authorizationStateClosing");
  set_state(w, id, c, "authorizationStateClosed");
}

std::string text_of(const json::object& req) {
  const auto* content = req.if_contains("input_message_content");
  if (content == nullptr || !content->is_object())
    return {};
  const auto* text = content->as_object().if_contains("text");
  if (text == nullptr || !text->is_object())
    return {};
  const auto* s = text->as_object().if_contains("text");
  return s != nullptr && s->is_string() ? std::string{s->as_string()} : std::string{};
}

void handle_send(world& w, int id, client& c, const json::object& req, const json::value* extra) {
  const auto chat = req.contains("chat_id") ? req.at("chat_id").to_number<int64_t>() : 0;
  if (title_of(chat) == nullptr) {
    answer(w, id, extra, error(400, "Chat not found"));
    return;
  }
  const auto text = text_of(req);
  if (text == "abort!")
    std::abort();
  message m{++c.next_message, chat, me, base_date + 3600, text, true};
  auto pending = message_json(m);
  pending["sending_state"] = json::object{{"@type", "messageSendingStatePending"}};
  answer(w, id, extra, pending);
  const auto temporary = m.id;
  m.id = chat * 1000 + 50 * 1048576 + c.next_message;
  c.history[chat].push_back(m);
  emit(w, id,
       {{"@type", "updateMessageSendSucceeded"},
        {"message", message_json(m)},
        {"old_message_id", temporary}});
  if (text.rfind("echo ", 0) == 0) {
    message reply{chat * 1000 + 60 * 1048576 + c.next_message,
                  chat,
                  alice,
                  base_date + 3601,
                  text.substr(5),
                  false};
    c.history[chat].push_back(reply);
    emit(w, id, {{"@type", "updateNewMessage"}, {"message", message_json(reply)}});
  }
}

void handle_ready(world& w, int id, client& c, const std::string& type, const json::object& req,
                  const json::value* extra) {
  auto number = [&](const char* name) {
    const auto* v = req.if_contains(name);
    return v != nullptr && v->is_number() ? v->to_number<int64_t>() : int64_t{0};
  };
  if (type == "getChats") {
    json::array ids;
    for (int64_t chat : {1001, 1002, 1003})
      if (static_cast<int64_t>(ids.size()) < number("limit"))
        ids.push_back(chat);
    answer(w, id, extra, {{"@type", "chats"}, {"total_count", 3}, {"chat_ids", ids}});
  } else if (type == "getChat") {
    const auto chat = number("chat_id");
    if (title_of(chat) == nullptr)
      answer(w, id, extra, error(400, "Chat not found"));
    else
      answer(w, id, extra, chat_json(c, chat));
  } else if (type == "getChatHistory") {
    const auto chat = number("chat_id");
    if (chat == 1003) {
      answer(w, id, extra, error(500, "Injected failure"));
      return;
    }
    if (title_of(chat) == nullptr) {
      answer(w, id, extra, error(400, "Chat not found"));
      return;
    }
    json::array out;
    const auto& h = c.history[chat];
    for (auto it = h.rbegin(); it != h.rend() && static_cast<int64_t>(out.size()) < number("limit");
         ++it)
      out.push_back(message_json(*it));
    answer(w, id, extra,
           {{"@type", "messages"}, {"total_count", out.size()}, {"messages", std::move(out)}});
  } else if (type == "sendMessage") {
    handle_send(w, id, c, req, extra);
  } else if (type == "searchMessages") {
    const auto* q = req.if_contains("query");
    const std::string query = q != nullptr && q->is_string() ? std::string{q->as_string()} : "";
    if (query == "boom") {
      answer(w, id, extra, error(500, "Injected failure"));
      return;
    }
    json::array out;
    for (const auto& [chat, h] : c.history)
      for (auto it = h.rbegin(); it != h.rend(); ++it)
        if (!query.empty() && it->text.find(query) != std::string::npos &&
            static_cast<int64_t>(out.size()) < number("limit"))
          out.push_back(message_json(*it));
    answer(w, id, extra,
           {{"@type", "foundMessages"},
            {"total_count", out.size()},
            {"messages", std::move(out)},
            {"next_offset", ""}});
  } else {
    answer(w, id, extra, error(400, "Unsupported request " + type));
  }
}

void handle(world& w, int id, client& c, const json::object& req) {
  const auto* extra = req.if_contains("@extra");
  const auto* type_value = req.if_contains("@type");
  const std::string type = type_value != nullptr && type_value->is_string()
                               ? std::string{type_value->as_string()}
                               : std::string{};
  if (!c.started) {
    c.started = true;
    emit(w, id,
         {{"@type", "updateOption"},
          {"name", "version"},
          {"value", {{"@type", "optionValueString"}, {"value", "1.8.65"}}}});
    set_state(w, id, c, "authorizationStateWaitTdlibParameters");
  }
  if (c.state == "authorizationStateClosed") {
    answer(w, id, extra, error(500, "Request aborted"));
    return;
  }
  auto text = [&](const char* name) {
    const auto* v = req.if_contains(name);
    return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
  };
  if (type == "close" || type == "logOut") {
    answer(w, id, extra, ok());
    if (type == "logOut")
      set_state(w, id, c, "authorizationStateLoggingOut");
    close_client(w, id, c);
  } else if (type == "setTdlibParameters") {
    const auto* api_id = req.if_contains("api_id");
    const bool databases_off =
        !req.contains("use_message_database") || !req.at("use_message_database").as_bool();
    if (c.state != "authorizationStateWaitTdlibParameters" || api_id == nullptr ||
        !api_id->is_int64() || text("api_hash").empty() || !databases_off) {
      answer(w, id, extra, error(400, "Invalid TDLib parameters"));
      return;
    }
    std::ofstream{text("database_directory") + "/td.binlog"} << "fake session state\n";
    answer(w, id, extra, ok());
    set_state(w, id, c, "authorizationStateWaitPhoneNumber");
  } else if (type == "setAuthenticationPhoneNumber") {
    const auto phone = text("phone_number");
    if (c.state != "authorizationStateWaitPhoneNumber") {
      answer(w, id, extra, error(400, "Unexpected setAuthenticationPhoneNumber"));
    } else if (phone.ends_with("99")) {
      return; // Telegram unreachable: no answer, ever
    } else {
      c.needs_password = phone.ends_with("2");
      answer(w, id, extra, ok());
      set_state(w, id, c, "authorizationStateWaitCode");
    }
  } else if (type == "checkAuthenticationCode") {
    if (c.state != "authorizationStateWaitCode") {
      answer(w, id, extra, error(400, "Unexpected checkAuthenticationCode"));
    } else if (text("code") != "12345") {
      answer(w, id, extra, error(400, "PHONE_CODE_INVALID"));
    } else {
      answer(w, id, extra, ok());
      if (c.needs_password)
        set_state(w, id, c, "authorizationStateWaitPassword");
      else
        become_ready(w, id, c);
    }
  } else if (type == "checkAuthenticationPassword") {
    if (c.state != "authorizationStateWaitPassword") {
      answer(w, id, extra, error(400, "Unexpected checkAuthenticationPassword"));
    } else if (text("password") != "correct horse battery staple") {
      answer(w, id, extra, error(400, "PASSWORD_HASH_INVALID"));
    } else {
      answer(w, id, extra, ok());
      become_ready(w, id, c);
    }
  } else if (c.state == "authorizationStateReady") {
    handle_ready(w, id, c, type, req, extra);
  } else {
    answer(w, id, extra, error(401, "Unauthorized"));
  }
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int td_create_client_id() {
  auto& w = the_world();
  std::lock_guard lock{w.mutex};
  const int id = ++w.next_client;
  w.clients[id];
  return id;
}

__attribute__((visibility("default"))) void td_send(int client_id, const char* request) {
  auto& w = the_world();
  boost::system::error_code ec;
  auto parsed = json::parse(request == nullptr ? "" : request, ec);
  std::lock_guard lock{w.mutex};
  auto it = w.clients.find(client_id);
  if (it == w.clients.end())
    return;
  if (ec || !parsed.is_object()) {
    emit(w, client_id, error(400, "Failed to parse JSON object as TDLib request"));
    return;
  }
  try {
    handle(w, client_id, it->second, parsed.as_object());
  } catch (const std::exception&) {
    // A member of the wrong type: TDLib answers such requests with an error too.
    emit(w, client_id, error(400, "Failed to parse JSON object as TDLib request"));
  }
}

__attribute__((visibility("default"))) const char* td_receive(double timeout) {
  auto& w = the_world();
  std::unique_lock lock{w.mutex};
  if (!w.ready.wait_for(lock, std::chrono::duration<double>(timeout),
                        [&] { return !w.out.empty(); }))
    return nullptr;
  w.last_received = std::move(w.out.front());
  w.out.pop_front();
  return w.last_received.c_str();
}

__attribute__((visibility("default"))) const char* td_execute(const char* request) {
  auto& w = the_world();
  boost::system::error_code ec;
  auto parsed = json::parse(request == nullptr ? "" : request, ec);
  std::lock_guard lock{w.mutex};
  json::object result = error(400, "Unsupported synchronous request");
  if (!ec && parsed.is_object()) {
    const auto& req = parsed.as_object();
    const auto* type = req.if_contains("@type");
    if (type != nullptr && *type == "getOption" && req.contains("name") &&
        req.at("name") == "version") {
      const char* forced = std::getenv("FAKE_TDJSON_VERSION");
      result = {{"@type", "optionValueString"}, {"value", forced != nullptr ? forced : "1.8.65"}};
    } else if (type != nullptr && *type == "setLogVerbosityLevel") {
      result = ok();
    }
    if (const auto* extra = req.if_contains("@extra"))
      result["@extra"] = *extra;
  }
  w.last_executed = json::serialize(result);
  return w.last_executed.c_str();
}

} // extern "C"
