#pragma once

#include <compare>
#include <string>

namespace gh {

/// Names one per-user actor: its kind (`checkout_flow`, `telegram_session`, …), its owner and a
/// key within that owner (a checkout id, an upload id; empty for one-per-user kinds).
struct user_key {
  std::string kind;
  std::string user_id;
  std::string key;

  auto operator<=>(const user_key&) const = default;
};

/// CAF inspection, so a `user_key` can travel in messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_key& x) {
  return f(x.kind, x.user_id, x.key);
}

} // namespace gh
