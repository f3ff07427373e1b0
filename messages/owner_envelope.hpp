#pragma once

#include "messages/user_key.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gh {

// What travels between instances for a per-user actor that one of them owns (DESIGN.md
// "Growing past one machine", actors/registry.hpp): the forwarded message and the owner's
// answer, as JSON.

/// A message forwarded to its owner: `{"kind", "user", "key", "text"}` as JSON.
std::string encode_envelope(const user_key& key, std::string_view text);

/// The key and text of an envelope; empty when `bytes` is not one (any other shape, a missing
/// or non-string field, an empty kind or user, more than 64 KiB of key parts).
std::optional<std::pair<user_key, std::string>> decode_envelope(std::string_view bytes);

/// What an owner answers: the kind's answer text, or that it does not own the actor (`moved`,
/// naming the owner it knows of, or empty when nobody owns it now).
struct owner_answer {
  std::optional<std::string> answer;
  std::string moved;
};

/// `{"answer": text}`.
std::string encode_answer(std::string_view text);
/// `{"moved": owner}`.
std::string encode_moved(std::string_view owner);
/// An owner's answer; empty when `bytes` is neither shape.
std::optional<owner_answer> decode_answer(std::string_view bytes);

/// A frame a per-user actor pushed on instance `origin`, relayed to its user's WebSockets on
/// the other instances: `{"origin", "user", "frame"}`.
struct relayed_push {
  std::string origin;
  std::string user;
  std::string frame;
};

std::string encode_push(const relayed_push& push);

/// A relayed push; empty when `bytes` is not one (any other shape, a non-string field, an
/// empty origin or user).
std::optional<relayed_push> decode_push(std::string_view bytes);

} // namespace gh
