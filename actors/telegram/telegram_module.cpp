#include "actors/telegram/telegram_module.hpp"

#include "actors/telegram/telegram_session.hpp"
#include "config/log.hpp"
#include "messages/type_ids.hpp"
#include "providers/telegram/host_protocol.hpp"

#include <caf/send.hpp>

#include <charconv>
#include <filesystem>
#include <vector>

namespace gh::telegram {

namespace {

/// `gatehouse-tdhost` beside the running executable.
std::string host_beside_us() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "gatehouse-tdhost").string();
}

/// The commands and their grammar (API.md): `/tg login <phone>`, …
std::vector<command_spec> specs() {
  using k = arg_kind;
  return {
      {"tg.login", {{"phone", k::word, true, 0, 0}}, "sign in to Telegram: a code follows", {}},
      {"tg.code", {{"code", k::word, true, 0, 0}}, "the code Telegram sent you", {}},
      {"tg.password",
       {{"password", k::rest, true, 0, 0}},
       "your two-step verification password",
       {}},
      {"tg.status", {}, "your Telegram session's state", {}},
      {"tg.chats", {{"n", k::integer, false, 1, 100}}, "your Telegram chats", {}},
      {"tg.history",
       {{"chat", k::word, true, 0, 0}, {"n", k::integer, false, 1, 100}},
       "a chat's latest messages (a chat id or its exact title)",
       {}},
      {"tg.send",
       {{"chat", k::word, true, 0, 0}, {"text", k::rest, true, 0, 0}},
       "send a message to a chat",
       {}},
      {"tg.search", {{"query", k::rest, true, 0, 0}}, "search your messages in every chat", {}},
      {"tg.logout", {}, "log out of Telegram and wipe the session", {}},
  };
}

} // namespace

void install(app& a) {
  const auto& s = a.settings;
  if (!s.telegram_configured()) {
    for (auto spec : specs()) {
      spec.handler = [](command_call&& call) {
        call.reply->fail(gh_errc::not_configured,
                         "Telegram is not configured (TELEGRAM_API_ID, TELEGRAM_API_HASH)");
      };
      a.add_command(std::move(spec));
    }
    return;
  }

  host_options h;
  h.host_path = s.telegram_host_path.empty() ? host_beside_us() : s.telegram_host_path;
  h.tdlib_path = s.tdlib_path;
  h.expected_version = std::string{tdlib_version};
  auto host = std::make_shared<host_process>(std::move(h));
  auto dirs = std::make_shared<session_dirs>(s.telegram_session_dir.empty()
                                                 ? session_dirs::default_base(s.data_dir)
                                                 : s.telegram_session_dir);
  a.keep(host);
  a.keep(dirs);

  session_options o;
  o.host = host.get();
  o.dirs = dirs.get();
  o.sinks = &a.sinks;
  o.redis = a.redis;
  std::from_chars(s.telegram_api_id.data(), s.telegram_api_id.data() + s.telegram_api_id.size(),
                  o.client.api_id);
  o.client.api_hash = s.telegram_api_hash.reveal();
  o.client.application_version = "Gatehouse " + a.version;
  o.instance_id = s.instance_id;
  o.request_timeout = s.telegram_request_timeout;
  o.ttl = s.telegram_session_ttl;
  o.command_rate = s.telegram_command_rate;
  o.max_sessions = s.telegram_max_sessions;
  a.add_user_actor_kind(std::string{session_kind}, telegram_session_kind(o));

  for (auto spec : specs()) {
    spec.handler = [registry = a.registry](command_call&& call) {
      user_key key{std::string{session_kind}, call.who.user_id, {}};
      caf::anon_send(registry, forward_atom_v, std::move(key),
                     caf::make_message(tg_command{call.name, std::move(call.args), call.reply}));
    };
    a.add_command(std::move(spec));
  }

  a.on_start([host, dirs] {
    std::string problem;
    if (!dirs->prepare(problem))
      log::error("telegram sessions unavailable", {{"reason", problem}});
    else
      log::info("telegram session directories", {{"dir", dirs->base()}});
    host->start();
  });
  a.on_stop([host, dirs] {
    host->stop();
    dirs->wipe_all();
  });
}

} // namespace gh::telegram
