#pragma once

#include "actors/commands.hpp"
#include "actors/telegram/session_dirs.hpp"
#include "actors/telegram/td_codec.hpp"
#include "actors/user_sinks.hpp"
#include "messages/user_key.hpp"
#include "persistence/cache.hpp"
#include "providers/telegram/host_process.hpp"

#include <boost/json/object.hpp>
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/local_actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace gh::telegram {

/// The registry kind of Telegram sessions: one per user (`user_key{session_kind, user id, ""}`).
inline constexpr std::string_view session_kind = "telegram_session";

/// One `/tg` command for a user's session actor, answered through `reply`.
struct tg_command {
  std::string name; ///< `tg.login`, `tg.chats`, …
  boost::json::object args;
  std::shared_ptr<command_reply> reply;
};

/// What session actors share; every pointer outlives them.
struct session_options {
  host_process* host = nullptr;
  const session_dirs* dirs = nullptr;
  user_sinks* sinks = nullptr;
  redis::redis_actor redis; ///< `tg_session:{user_id}` metadata (may be null in tests)
  client_config client;
  std::string instance_id;
  std::chrono::milliseconds request_timeout{20000};
  std::chrono::milliseconds ttl{24LL * 3600000}; ///< also the Redis key's lifetime
  unsigned command_rate = 60;                    ///< commands per user a minute
  unsigned max_sessions = 100;                   ///< sessions holding a TDLib client at once
  std::shared_ptr<std::atomic<unsigned>> live = std::make_shared<std::atomic<unsigned>>(0);
};

/// A user's Telegram session (API.md "Real-time console"): it owns that user's TDLib client in
/// the host, its directory, and the session's state machine, answers `tg_command`s and pushes
/// `tg.state` on every change and `tg.message` for each new incoming message to the user's own
/// WebSockets only. Logout, the host's death, the registry's idle reap (`ttl` after the last
/// command) and shutdown end the client, wipe its directory and delete its Redis key. Message
/// text passes through memory only: it is never logged, stored or counted.
caf::actor spawn_telegram_session(caf::local_actor* parent, const user_key& key,
                                  const session_options& options);

/// The registry kind of Telegram sessions, reaped `options.ttl` after their last command.
user_actor_kind telegram_session_kind(const session_options& options);

} // namespace gh::telegram

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::telegram::tg_command)
