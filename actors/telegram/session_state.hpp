#pragma once

// The inside of a Telegram session actor, shared by its two halves: telegram_session.cpp (the
// lifecycle: login steps, logout, updates, the host's death) and session_reads.cpp (chats,
// history, send, search). Nothing else includes it.

#include "actors/telegram/session_machine.hpp"
#include "actors/telegram/telegram_session.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace gh::telegram {

/// An update of the session's TDLib client (from the host's reader thread).
struct td_update {
  boost::json::object value;
};

/// The answer to request `seq` (or why none came).
struct td_answer {
  uint64_t seq = 0;
  td_result result;
};

/// The host created the session's client (or could not).
struct td_created {
  std::optional<int> client;
};

/// The host died with the session's client.
struct td_lost {};

/// A wait for a state change or a send confirmation ran out.
struct td_deadline {
  uint64_t seq = 0;
};

/// What a session holds outside the actor (a TDLib client, a directory, a slot of the process's
/// session limit): released once, by `end()`, or by the destructor when the actor ends.
class session_lease {
public:
  session_lease(const session_options& options, std::string user_id)
      : opt_(options), user_id_(std::move(user_id)) {}
  ~session_lease() { end(true); }

  session_lease(const session_lease&) = delete;
  session_lease& operator=(const session_lease&) = delete;

  /// Takes one of the process's session slots; false when all are taken.
  bool take_slot();
  void set_dir(std::string dir) { dir_ = std::move(dir); }
  void set_client(int client) { client_ = client; }
  int client() const noexcept { return client_; }
  const std::string& dir() const noexcept { return dir_; }
  bool active() const noexcept { return counted_; }

  /// Closes the client (when the host still has it), wipes the directory, gives the slot back,
  /// deletes the Redis key and tells the user's sockets the state is `none`. Idempotent.
  void end(bool host_alive);

private:
  session_options opt_;
  std::string user_id_;
  std::string dir_;
  int client_ = -1;
  bool counted_ = false;
};

/// A command waiting for the session to leave `from` (a login step's outcome).
struct state_wait {
  std::shared_ptr<command_reply> reply;
  tg_state from = tg_state::none;
};

/// A sent message waiting for Telegram's confirmation.
struct send_wait {
  std::shared_ptr<command_reply> reply;
  int64_t chat_id = 0;
  uint64_t seq = 0;
};

struct session_state {
  session_options opt;
  user_key key;
  std::shared_ptr<session_lease> lease;
  session_machine machine;
  std::string phone;                          ///< E.164, in memory only; Redis gets it masked
  std::shared_ptr<command_reply> login_reply; ///< a `/tg login` waiting for its client
  uint64_t next_seq = 0;
  std::map<uint64_t, std::function<void(td_result)>> waiting;
  std::map<uint64_t, state_wait> state_waits;
  std::map<int64_t, send_wait> sends; ///< by the message's temporary id
  std::set<std::shared_ptr<command_reply>> open;
  std::unordered_map<int64_t, std::string> users; ///< user id -> display name
  std::unordered_map<int64_t, std::string> chats; ///< chat id -> title
  std::chrono::steady_clock::time_point window_start{};
  unsigned window_count = 0;
};

using session_ptr = caf::stateful_actor<session_state>*;

/// Names and titles kept per session (from TDLib's updates), at most this many each.
inline constexpr std::size_t max_cached_names = 10000;

/// Sends `request` to the session's client; `next` runs in the actor with the outcome.
void call(session_ptr self, boost::json::object request, std::function<void(td_result)> next);

/// Answers `reply` with `result` (JSON text).
void answer(session_ptr self, const std::shared_ptr<command_reply>& reply, std::string result);

/// Answers `reply` with the problem of `code`.
void refuse(session_ptr self, const std::shared_ptr<command_reply>& reply, gh_errc code,
            std::string detail, std::string field = {});

/// Answers `reply` with why a request failed: TDLib's error, or no answer in time.
void refuse_result(session_ptr self, const std::shared_ptr<command_reply>& reply,
                   const td_result& result);

/// A sender's display name from the session's caches.
std::string sender_name(session_ptr self, const boost::json::object& sender_id);

/// `/tg chats`, `/tg history`, `/tg send`, `/tg search` (session_reads.cpp).
void run_read(session_ptr self, const tg_command& cmd);

/// `updateMessageSendSucceeded` / `updateMessageSendFailed` (session_reads.cpp).
void settle_send(session_ptr self, const boost::json::object& update);

} // namespace gh::telegram

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::telegram::td_update)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::telegram::td_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::telegram::td_created)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::telegram::td_lost)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::telegram::td_deadline)
