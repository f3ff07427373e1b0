#pragma once

#include "actors/refresh_window.hpp"
#include "messages/gh_errc.hpp"
#include "messages/http.hpp"
#include "messages/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <array>
#include <chrono>
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

/// Longer bearer tokens are never a provider's (OIDC tokens are a few KiB at most).
inline constexpr std::size_t max_external_token_bytes = std::size_t{16} * 1024;

/// The `iss` claim of a compact JWT, read without verifying anything: only to choose whose keys
/// verify it. Empty when `token` is not a JWT with a string `iss`.
std::optional<std::string> unverified_issuer(std::string_view token);

/// Tokens of identity providers that Gatehouse accepts as bearer beside its own (API.md
/// "Federation", `OIDC_<NAME>_ACCEPT_TOKENS`), as the gateway sees them: which issuers count,
/// who a recently resolved token is, and the actor that resolves the others.
///
/// A resolved token is remembered for `recheck` only: after that the next request goes
/// to the resolver again, which finds a disabled or deleted user. So a change at the provider
/// or by an operator reaches provider tokens within that time, while a busy client costs one
/// lookup per token per interval. Thread-safe; bounded (cleared when full).
class external_tokens {
public:
  using clock = std::chrono::steady_clock;
  /// How long a resolution answers for its token without question.
  static constexpr std::chrono::milliseconds recheck{500};
  /// After that, the first request settles the token again while the others keep the answer
  /// for at most this long, so a busy token never sends a burst to the resolver. A failed
  /// settling forgets the token at once.
  static constexpr std::chrono::milliseconds grace{500};

  explicit external_tokens(std::size_t capacity = 100000)
      : per_shard_(capacity / shard_count + 1) {}

  /// Called by the federation module before serving.
  void accept_issuer(std::string issuer);
  void set_resolver(token_resolver_actor resolver) { resolver_ = std::move(resolver); }

  /// True when `token` is a JWT whose (unverified) `iss` is an accepted issuer: not ours to
  /// verify on the io thread, the resolver's.
  bool is_external(std::string_view token) const;

  /// The caller of a token resolved less than `recheck` ago (or settling again, within
  /// `grace`) and not expired at `now` (Unix seconds); empty sends the request to the resolver.
  /// A plain hash lookup: nothing of the token is decoded.
  std::optional<principal> find(std::string_view token, int64_t now) const;
  /// Remembers the caller of `token` for `recheck` from now.
  void put(std::string_view token, const principal& who);
  /// Forgets `token` (its settling failed: disabled, deleted, or no longer valid).
  void forget(std::string_view token);

  const token_resolver_actor& resolver() const noexcept { return resolver_; }
  bool enabled() const noexcept { return !issuers_.empty() && resolver_; }

private:
  static constexpr std::size_t shard_count = 16;
  struct entry {
    principal who;
    refresh_window window; ///< one request settles it again after its deadline
  };
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct shard {
    std::mutex mutex;
    std::unordered_map<std::string, entry, text_hash, std::equal_to<>> entries;
  };
  shard& shard_of(std::string_view token) const {
    return shards_[text_hash{}(token) % shard_count];
  }

  std::vector<std::string> issuers_;
  token_resolver_actor resolver_;
  std::size_t per_shard_;
  mutable std::array<shard, shard_count> shards_;
};

} // namespace gh
