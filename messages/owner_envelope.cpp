#include "messages/owner_envelope.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gh {

namespace {

/// The largest kind, user id or actor key an envelope may carry.
constexpr std::size_t max_key_part = std::size_t{64} * 1024;

std::optional<std::string> string_member(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string())
    return std::nullopt;
  return std::string{v->as_string()};
}

std::optional<boost::json::object> object_of(std::string_view bytes) {
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.as_object());
}

} // namespace

std::string encode_envelope(const user_key& key, std::string_view text) {
  boost::json::object o;
  o["kind"] = key.kind;
  o["user"] = key.user_id;
  o["key"] = key.key;
  o["text"] = text;
  return boost::json::serialize(o);
}

std::optional<std::pair<user_key, std::string>> decode_envelope(std::string_view bytes) {
  auto o = object_of(bytes);
  if (!o || o->size() != 4)
    return std::nullopt;
  auto kind = string_member(*o, "kind");
  auto user = string_member(*o, "user");
  auto key = string_member(*o, "key");
  auto text = string_member(*o, "text");
  if (!kind || !user || !key || !text || kind->empty() || user->empty() ||
      kind->size() + user->size() + key->size() > max_key_part)
    return std::nullopt;
  return std::pair{user_key{std::move(*kind), std::move(*user), std::move(*key)}, std::move(*text)};
}

std::string encode_answer(std::string_view text) {
  boost::json::object o;
  o["answer"] = text;
  return boost::json::serialize(o);
}

std::string encode_moved(std::string_view owner) {
  boost::json::object o;
  o["moved"] = owner;
  return boost::json::serialize(o);
}

std::optional<owner_answer> decode_answer(std::string_view bytes) {
  auto o = object_of(bytes);
  if (!o || o->size() != 1)
    return std::nullopt;
  if (auto answer = string_member(*o, "answer"))
    return owner_answer{std::move(answer), {}};
  if (auto moved = string_member(*o, "moved"))
    return owner_answer{std::nullopt, std::move(*moved)};
  return std::nullopt;
}

std::string encode_push(const relayed_push& push) {
  boost::json::object o;
  o["origin"] = push.origin;
  o["user"] = push.user;
  o["frame"] = push.frame;
  return boost::json::serialize(o);
}

std::optional<relayed_push> decode_push(std::string_view bytes) {
  auto o = object_of(bytes);
  if (!o || o->size() != 3)
    return std::nullopt;
  auto origin = string_member(*o, "origin");
  auto user = string_member(*o, "user");
  auto frame = string_member(*o, "frame");
  if (!origin || !user || !frame || origin->empty() || user->empty())
    return std::nullopt;
  return relayed_push{std::move(*origin), std::move(*user), std::move(*frame)};
}

} // namespace gh
