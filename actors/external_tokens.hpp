#pragma once

#include "messages/gh_errc.hpp"
#include "messages/http.hpp"
#include "messages/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gh {

/// A provider's token to settle where no route handler waits behind it (the proxy's data path):
/// `done` is called once, on the resolver's thread, with the caller, or with `unauthorized` or
/// `provider_unavailable` and a detail safe to show.
struct token_query {
  std::string token;
  std::string request_id; ///< For the audit row of a user made just in time.
  std::string remote_ip;
  std::function<void(std::optional<principal> who, gh_errc error, std::string detail)> done;
};

} // namespace gh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::token_query)

namespace gh {

/// Resolves a provider's token (federation): for a request, then hands the request on to its
/// route's handler with the caller set (or answers 401/503 itself); or for a `token_query`.
using token_resolver_actor =
    caf::typed_actor<caf::reacts_to<forward_atom, http_request, http_handler_actor>,
                     caf::reacts_to<forward_atom, token_query>>;

/// Tokens of identity providers that Gatehouse accepts as bearer beside its own (API.md
/// "Federation", `OIDC_<NAME>_ACCEPT_TOKENS`), as the gateway sees them: which issuers count,
/// who a recently resolved token is, and the actor that resolves the others.
///
/// A resolved token is remembered for `recheck_seconds` only: after that the next request goes
/// to the resolver again, which finds a disabled or deleted user. So a change at the provider
/// or by an operator reaches provider tokens within that time, while a busy client costs one
/// lookup per token per interval. Thread-safe; bounded (cleared when full).
class external_tokens {
public:
  static constexpr int64_t recheck_seconds = 1;

  explicit external_tokens(std::size_t capacity = 100000) : capacity_(capacity) {}

  /// Called by the federation module before serving.
  void accept_issuer(std::string issuer);
  void set_resolver(token_resolver_actor resolver) { resolver_ = std::move(resolver); }

  /// True when `token` is a JWT whose (unverified) `iss` is an accepted issuer: not ours to
  /// verify on the io thread, the resolver's.
  bool is_external(std::string_view token) const;

  /// The caller of a token resolved less than `recheck_seconds` ago.
  std::optional<principal> find(std::string_view token, int64_t now) const;
  void put(std::string_view token, const principal& who, int64_t now);

  const token_resolver_actor& resolver() const noexcept { return resolver_; }
  bool enabled() const noexcept { return !issuers_.empty() && resolver_; }

private:
  struct entry {
    principal who;
    int64_t until = 0;
  };
  std::vector<std::string> issuers_;
  token_resolver_actor resolver_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

} // namespace gh
