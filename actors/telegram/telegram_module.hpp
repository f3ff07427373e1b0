#pragma once

#include "actors/app.hpp"

/// Telegram (API.md "Real-time console", the `/tg` commands): one live TDLib session per user,
/// in a host process of its own, driven from the console.
namespace gh::telegram {

/// Registers the `/tg` commands. With `TELEGRAM_API_ID`/`TELEGRAM_API_HASH` it also builds the
/// TDLib host (started, with its version checked, when the process starts), the session
/// directories (leftovers wiped at start, everything at shutdown) and the `telegram_session`
/// kind of per-user actors; without them every command answers `not-configured`.
void install(app& a);

} // namespace gh::telegram
