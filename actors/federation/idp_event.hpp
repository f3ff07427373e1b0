#pragma once

#include "messages/http.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// User lifecycle events that identity providers send to `POST /webhooks/idp/{provider}`
/// (API.md "Federation", "Provider webhooks"), decoded from bodies whose signature has been
/// verified, and normalised to one shape for the IDP stream. Every decoder takes bytes an
/// outsider chose: it checks types and sizes and never throws.
namespace gh::federation {

/// Largest webhook body decoded.
inline constexpr std::size_t max_idp_body_bytes = 64 * 1024;

/// Deepest JSON nesting accepted (FusionAuth's user carries free-form `data`).
inline constexpr std::size_t max_idp_body_depth = 32;

/// Longest event id (`webhook-id`, FusionAuth's `event.id`) and provider subject, in bytes.
inline constexpr std::size_t max_idp_id_bytes = 255;

/// Longest e-mail address (RFC 5321), phone number and display name accepted.
inline constexpr std::size_t max_idp_email_bytes = 254;
inline constexpr std::size_t max_idp_phone_bytes = 32;
inline constexpr std::size_t max_idp_name_chars = 200;

/// What happened to the provider's user; the domain event of the same name follows.
enum class idp_event_type { user_created, user_updated, user_disabled, user_deleted };

/// `user.created`, `user.updated`, `user.disabled` or `user.deleted`.
std::string_view to_string(idp_event_type type) noexcept;

/// The type named by `text` (one of the four above, exactly); empty for anything else.
std::optional<idp_event_type> idp_event_type_of(std::string_view text) noexcept;

/// A provider's user event, whatever format it came in.
struct idp_event {
  /// The provider's event id (`webhook-id`, or FusionAuth's `event.id`): applied once.
  std::string id;
  idp_event_type type = idp_event_type::user_updated;
  /// The provider's subject: with the provider's name, the identity.
  std::string sub;
  /// As the provider sent it (not normalised: the identity rules do that when applying).
  std::optional<std::string> email;
  std::optional<bool> email_verified;
  /// As the provider sent it (not normalised to E.164).
  std::optional<std::string> phone;
  std::optional<std::string> name;

  bool operator==(const idp_event&) const = default;
};

/// A well-formed FusionAuth event of a type Gatehouse does not act on (`user.login.success`,
/// ...): acknowledged with 200 and not queued, so FusionAuth does not count a failure.
struct ignored_idp_event {
  std::string id;   ///< `event.id`
  std::string type; ///< `event.type`, printable ASCII, at most 64 characters
};

/// Why a verified body is not a user event: 400 `validation` with `detail` and `errors[]`
/// naming the field (dotted from the body's root, e.g. `data.sub`, `event.user.id`).
struct idp_event_error {
  std::string detail;
  std::vector<field_error> errors;
};

/// What a provider's body decodes to.
using idp_decode_result = std::variant<idp_event, ignored_idp_event, idp_event_error>;

/// Decodes a Standard Webhooks body, `{type, data: {sub, email?, email_verified?, phone?,
/// name?}}`, whose id is `webhook_id` (the header). `type` must be one of the four types;
/// optional members may be `null`; other members are ignored. Never `ignored_idp_event`.
idp_decode_result decode_standard_webhook_event(std::string_view webhook_id, std::string_view body);

/// Decodes FusionAuth's body, `{"event": {"id", "type", "user": {...}}}`: `user.create`,
/// `user.update`, `user.deactivate`, `user.reactivate` and `user.delete` become `user.created`,
/// `user.updated`, `user.disabled`, `user.updated` and `user.deleted`; the user's `id` is the
/// subject, `email`, `verified` (→ `email_verified`) and `mobilePhone` (→ `phone`) are taken as
/// they are, and the name is `fullName`, else `firstName` and `lastName` joined by a space.
/// Any other well-formed event is an `ignored_idp_event`.
idp_decode_result decode_fusionauth_event(std::string_view body);

/// The IDP stream's `data`: `{id, type, sub, email?, email_verified?, phone?, name?}`, absent
/// members left out.
boost::json::object to_json(const idp_event& event);

/// `to_json(event)` as compact JSON text.
std::string encode_idp_event(const idp_event& event);

/// Reads back what `to_json` wrote (the worker's side of the stream), with the same checks as
/// the webhook decoders; members it does not know are ignored.
std::variant<idp_event, idp_event_error> idp_event_from_json(const boost::json::object& data);

/// `idp_event_from_json` over JSON text (at most `max_idp_body_bytes`).
std::variant<idp_event, idp_event_error> decode_idp_event(std::string_view text);

} // namespace gh::federation
