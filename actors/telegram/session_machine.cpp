#include "actors/telegram/session_machine.hpp"

#include <array>
#include <utility>

namespace gh::telegram {

std::string_view state_name(tg_state s) noexcept {
  switch (s) {
  case tg_state::none:
    return "none";
  case tg_state::wait_code:
    return "wait_code";
  case tg_state::wait_password:
    return "wait_password";
  case tg_state::ready:
    return "ready";
  case tg_state::closing:
    return "closing";
  }
  return "none";
}

tg_state session_machine::visible() const noexcept {
  switch (phase_) {
  case phase::wait_code:
    return tg_state::wait_code;
  case phase::wait_password:
    return tg_state::wait_password;
  case phase::ready:
    return tg_state::ready;
  case phase::closing:
    return tg_state::closing;
  default:
    return tg_state::none;
  }
}

bool session_machine::begin() {
  if (phase_ != phase::idle && phase_ != phase::closed)
    return false;
  phase_ = phase::starting;
  return true;
}

bool session_machine::apply(std::string_view authorization_state) {
  using p = phase;
  static constexpr std::array<std::pair<std::string_view, p>, 13> map{{
      {"authorizationStateWaitTdlibParameters", p::starting},
      {"authorizationStateWaitPhoneNumber", p::wait_phone},
      {"authorizationStateWaitCode", p::wait_code},
      {"authorizationStateWaitPassword", p::wait_password},
      {"authorizationStateReady", p::ready},
      {"authorizationStateLoggingOut", p::closing},
      {"authorizationStateClosing", p::closing},
      {"authorizationStateClosed", p::closed},
      {"authorizationStateWaitEmailAddress", p::unsupported},
      {"authorizationStateWaitEmailCode", p::unsupported},
      {"authorizationStateWaitRegistration", p::unsupported},
      {"authorizationStateWaitOtherDeviceConfirmation", p::unsupported},
      {"authorizationStateWaitPremiumPurchase", p::unsupported},
  }};
  // Nothing moves a session out of `idle` but `begin`, and nothing revives a closed one.
  if (phase_ == p::idle || phase_ == p::closed)
    return false;
  for (const auto& [name, next] : map) {
    if (name != authorization_state)
      continue;
    const auto before = visible();
    // Once closing, only the close itself may follow.
    if (phase_ == p::closing && next != p::closed && next != p::closing)
      return false;
    phase_ = next;
    return visible() != before;
  }
  return false;
}

std::optional<std::string> session_machine::refuse(std::string_view name) const {
  if (name == "tg.status" || name == "tg.logout")
    return std::nullopt;
  const bool none = phase_ == phase::idle || phase_ == phase::closed;
  if (name == "tg.login") {
    if (none)
      return std::nullopt;
    return "a Telegram session exists already (" + std::string{state_name(visible())} +
           "); /tg logout first";
  }
  if (none)
    return "no Telegram session; /tg login <phone> first";
  if (phase_ == phase::starting || phase_ == phase::wait_phone)
    return "the login is still on its way; try again in a moment";
  if (phase_ == phase::unsupported)
    return "this account needs a sign-in step the console does not offer; /tg logout";
  if (phase_ == phase::closing)
    return "the session is closing";
  if (name == "tg.code")
    return phase_ == phase::wait_code ? std::nullopt
                                      : std::optional<std::string>{"no code is expected now"};
  if (name == "tg.password")
    return phase_ == phase::wait_password
               ? std::nullopt
               : std::optional<std::string>{"no password is expected now"};
  if (phase_ != phase::ready)
    return "sign in first: the session is " + std::string{state_name(visible())};
  return std::nullopt;
}

} // namespace gh::telegram
