#include "actors/keyset_cursor.hpp"

#include "crypto/crypto.hpp"
#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"

namespace gh {

std::string encode_keyset_cursor(std::string_view tag, const keyset_cursor& c) {
  return crypto::base64url_encode(std::string{tag} + std::to_string(c.created_us) + "." + c.id);
}

std::optional<keyset_cursor> decode_keyset_cursor(std::string_view tag, std::string_view text,
                                                  std::size_t max_chars) {
  if (text.empty() || text.size() > max_chars)
    return std::nullopt;
  const auto raw = crypto::base64url_decode(text);
  if (!raw || !raw->starts_with(tag))
    return std::nullopt;
  const std::string_view payload = std::string_view{*raw}.substr(tag.size());
  const auto dot = payload.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  const auto micros = decode::parse_int(payload.substr(0, dot), 18, false);
  const auto id = payload.substr(dot + 1);
  // Only instants PostgreSQL can hold (1970 to the end of 9999).
  constexpr int64_t end_of_9999_us = 253402300799999999;
  if (!micros || *micros > end_of_9999_us || !is_uuid(id))
    return std::nullopt;
  return keyset_cursor{*micros, std::string{id}};
}

} // namespace gh
