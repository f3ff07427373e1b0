#pragma once

#include "messages/http.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Decoders of the identity endpoints' JSON bodies: every field checked for type, length and
/// content, unknown fields refused, every problem reported with its field name.
namespace gh::identity {

using field_errors = std::vector<field_error>;

template <class T>
using decoded = std::variant<T, field_errors>;

/// `{phone?, email?, password, name?, session?}` of register.
struct register_request {
  std::optional<std::string> email; ///< normalised
  std::optional<std::string> phone; ///< E.164
  std::string password;
  std::optional<std::string> name;
  bool cookie_session = false;
};

/// `{phone?, email?, password, totp?, session?}` of login.
struct login_request {
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::string password;
  std::optional<std::string> totp;
  bool cookie_session = false;
};

/// `{current_password, new_password}` of a password change.
struct password_change_request {
  std::string current_password;
  std::string new_password;
};

/// `{name?}` of PATCH /users/me; `name: null` clears the name.
struct profile_patch {
  bool set_name = false;
  std::optional<std::string> name;
};

/// `{token, new_password}` of a password reset.
struct password_reset_request {
  std::string token;
  std::string new_password;
};

decoded<register_request> decode_register(std::string_view body);
decoded<login_request> decode_login(std::string_view body);
decoded<password_change_request> decode_password_change(std::string_view body);
decoded<profile_patch> decode_profile_patch(std::string_view body);

/// `{code}` of the TOTP enable and disable calls: a 6-digit code (or, to disable, a recovery
/// code), at most 32 characters.
decoded<std::string> decode_totp_code(std::string_view body);

/// `{email}` of a forgotten-password request, normalised.
decoded<std::string> decode_password_forgot(std::string_view body);

decoded<password_reset_request> decode_password_reset(std::string_view body);

/// `{password}` of an account deletion.
decoded<std::string> decode_account_deletion(std::string_view body);

/// `{refresh_token}`; an empty body (or `{}`) yields an empty token (the cookie is used then).
decoded<std::string> decode_refresh(std::string_view body);

} // namespace gh::identity
