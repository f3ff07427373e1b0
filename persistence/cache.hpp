#pragma once

#include "messages/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <string>
#include <string_view>
#include <vector>

/// The Redis interface actors use: a typed actor that runs one command per message. The
/// client behind it (hiredis) is wired in by main.cpp.
namespace gh::redis {

/// A command as its arguments, e.g. `{"SET", "k", "v", "EX", "60"}`; binary-safe.
using command = std::vector<std::string>;

/// A RESP2 reply.
struct reply {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  long long integer = 0;
  std::string str;
  std::vector<reply> elements;
};

/// Lua for `EVAL script 1 KEY WINDOW_SECONDS`: counts a hit on KEY in a window that starts with
/// the first hit; returns `{count, seconds left}`.
inline constexpr std::string_view count_hit_script =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return {n, redis.call('TTL', KEYS[1])}";

/// Lua for `EVAL script 1 KEY`: the hits counted on KEY so far, without counting one; returns
/// `{count, seconds left}`.
inline constexpr std::string_view peek_hits_script =
    "return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('TTL', KEYS[1])}";

/// Runs a command (error `provider_unavailable` while Redis is down); `probe_atom` pings and
/// re-arms itself.
using redis_actor =
    caf::typed_actor<caf::replies_to<exec_atom, command>::with<reply>, caf::reacts_to<probe_atom>>;

} // namespace gh::redis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::redis::reply)
