#pragma once

#include "messages/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <string>
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

/// Runs a command (error `provider_unavailable` while Redis is down); `probe_atom` pings and
/// re-arms itself.
using redis_actor =
    caf::typed_actor<caf::replies_to<exec_atom, command>::with<reply>, caf::reacts_to<probe_atom>>;

} // namespace gh::redis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::redis::reply)
