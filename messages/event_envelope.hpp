#pragma once

#include "messages/json.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace gh {

/// The domain event envelope of API.md ("Events"), published with `Nats-Msg-Id` = `id`.
struct event_envelope {
  std::string id;          ///< UUID, also the JetStream de-duplication id.
  std::string type;        ///< The NATS subject, e.g. `user.created`.
  std::string occurred_at; ///< RFC 3339, UTC.
  std::string tenant_id;   ///< UUID of the tenant the event belongs to.
  boost::json::object data;
};

/// Why an envelope was refused: the field at fault (empty for the whole document) and why.
struct envelope_error {
  std::string field;
  std::string message;
};

/// Decodes an untrusted envelope; every field is checked (UUIDs, subject syntax, RFC 3339).
std::variant<event_envelope, envelope_error> decode_event(std::string_view text);

/// Encodes `event` as compact JSON.
std::string encode_event(const event_envelope& event);

/// True for a canonical 8-4-4-4-12 hexadecimal UUID.
bool is_uuid(std::string_view text) noexcept;

/// Seconds since the Unix epoch, now (the unit of JWT claims and Stripe's timestamps).
int64_t unix_now();

/// `when` as an RFC 3339 date-time in UTC (`2026-11-22T10:00:00Z`, with `.mmm` milliseconds
/// when `millis`).
std::string to_rfc3339(std::chrono::system_clock::time_point when, bool millis = false);

/// True for an RFC 3339 date-time (`2026-11-22T10:00:00Z`, fraction and offset allowed).
bool is_rfc3339(std::string_view text) noexcept;

/// True for a concrete NATS subject: dot-separated non-empty tokens, no wildcards or spaces.
bool is_event_subject(std::string_view text) noexcept;

} // namespace gh
