#pragma once

#include "actors/tenancy.hpp"
#include "messages/decode.hpp"

#include <string>
#include <string_view>
#include <variant>

/// Decoders of the organizations API's untrusted bodies (API.md "Organizations"): plain
/// functions, so unit tests drive them without CAF.
namespace gh::orgs {

using decode::field_errors;

template <class T>
using decoded = std::variant<T, field_errors>;

/// An organization's name: 1–100 characters of UTF-8, no control characters, not blank.
inline constexpr std::size_t max_name_chars = 100;

/// `{name}` of `POST /api/v1/orgs` and `PATCH /api/v1/orgs/{id}`.
decoded<std::string> decode_name(std::string_view body);

/// `{email, role}` of `POST /api/v1/orgs/{id}/invitations`; the address lower-cased.
struct invitation_request {
  std::string email;
  tenancy::org_role role = tenancy::org_role::member;
};
decoded<invitation_request> decode_invitation(std::string_view body);

/// `{role}` of `PATCH /api/v1/orgs/{id}/members/{user_id}`.
decoded<tenancy::org_role> decode_role_change(std::string_view body);

/// `{token}` of `POST /api/v1/orgs/invitations/accept`: the token of an invitation link
/// (base64url, at most 128 characters).
decoded<std::string> decode_acceptance(std::string_view body);

} // namespace gh::orgs
