#pragma once

#include "messages/event_envelope.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <string>
#include <variant>

namespace gh {

/// The data of an `email.send` event (API.md "Events"): `{to, template, vars,
/// idempotency_key}`.
struct email_request {
  std::string to;
  std::string template_name;
  std::map<std::string, std::string> vars; ///< Strings; numbers and booleans as their text.
  std::string idempotency_key;
};

/// True for one plain address: `local@domain`, printable ASCII, no spaces, angle brackets,
/// commas, quotes or line breaks, 3 to 254 characters.
bool is_mail_address(std::string_view address) noexcept;

/// Decodes untrusted `email.send` data; every field is checked (one plain address, a template
/// name of `[a-z0-9_]`, at most 32 variables of at most 4096 bytes of UTF-8 without NUL, a key of
/// 1..200 printable ASCII characters).
std::variant<email_request, envelope_error> decode_email_request(const boost::json::object& data);

} // namespace gh
