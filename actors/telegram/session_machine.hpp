#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh::telegram {

/// The states of a Telegram session as the console shows them (API.md `/tg status`).
enum class tg_state : uint8_t { none, wait_code, wait_password, ready, closing };

/// `none`, `wait_code`, `wait_password`, `ready` or `closing`.
std::string_view state_name(tg_state s) noexcept;

/// The authorization steps of one session, driven by TDLib's `authorizationState*` updates and
/// the console's commands; plain, so it is tested without TDLib or actors.
class session_machine {
public:
  /// Where the session is, finer than `tg_state`.
  enum class phase : uint8_t {
    idle,          ///< no TDLib client
    starting,      ///< a client exists; its parameters are on their way
    wait_phone,    ///< TDLib waits for the phone number
    wait_code,     ///< the code Telegram sent
    wait_password, ///< the two-step verification password
    ready,         ///< signed in
    closing,       ///< logging out or closing
    closed,        ///< TDLib closed the client; the session is over
    unsupported,   ///< Telegram asks for a step the console does not offer
  };

  phase current() const noexcept { return phase_; }

  /// The state the console shows: the login steps before the code count as `none`.
  tg_state visible() const noexcept;

  /// A login starts: `idle` -> `starting`. False when a session exists already.
  bool begin();

  /// Applies TDLib's `authorizationState*` type name; true when `visible()` changed. Unknown
  /// names change nothing.
  bool apply(std::string_view authorization_state);

  /// Why the command `name` (`tg.code`, …) may not run now (409 `conflict`), or nothing.
  std::optional<std::string> refuse(std::string_view name) const;

private:
  phase phase_ = phase::idle;
};

} // namespace gh::telegram
