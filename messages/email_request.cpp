#include "messages/email_request.hpp"

#include <algorithm>

namespace gh {

namespace {

constexpr std::size_t max_vars = 32;
constexpr std::size_t max_var_bytes = 4096;

bool is_name(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

} // namespace

bool is_mail_address(std::string_view s) noexcept {
  if (s.size() < 3 || s.size() > 254 || !is_printable_ascii(s))
    return false;
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size())
    return false;
  return s.find_first_of("<>,;()\"\\") == std::string_view::npos;
}

std::variant<email_request, envelope_error> decode_email_request(const boost::json::object& data) {
  email_request out;
  for (const auto& [key, value] : data) {
    if (key != "to" && key != "template" && key != "vars" && key != "idempotency_key")
      return envelope_error{"data." + std::string{key}, "is not a field of email.send"};
  }
  const auto* to = data.if_contains("to");
  if (to == nullptr || !to->is_string() || !is_mail_address(to->get_string()))
    return envelope_error{"data.to", "must be one email address"};
  out.to = std::string{to->get_string()};
  const auto* name = data.if_contains("template");
  if (name == nullptr || !name->is_string() || !is_name(name->get_string()))
    return envelope_error{"data.template", "must be a template name of a-z, 0-9 and _"};
  out.template_name = std::string{name->get_string()};
  const auto* key = data.if_contains("idempotency_key");
  if (key == nullptr || !key->is_string() || key->get_string().empty() ||
      key->get_string().size() > 200 || !is_printable_ascii(key->get_string()))
    return envelope_error{"data.idempotency_key", "must be 1 to 200 printable ASCII characters"};
  out.idempotency_key = std::string{key->get_string()};
  if (const auto* vars = data.if_contains("vars")) {
    if (!vars->is_object())
      return envelope_error{"data.vars", "must be an object"};
    if (vars->get_object().size() > max_vars)
      return envelope_error{"data.vars", "has more than 32 variables"};
    for (const auto& [k, v] : vars->get_object()) {
      const std::string field = "data.vars." + std::string{k};
      if (!is_name(k))
        return envelope_error{"data.vars", "variable names are a-z, 0-9 and _"};
      std::string text;
      if (v.is_string())
        text = std::string{v.get_string()};
      else if (v.is_int64())
        text = std::to_string(v.get_int64());
      else if (v.is_uint64())
        text = std::to_string(v.get_uint64());
      else if (v.is_bool())
        text = v.get_bool() ? "true" : "false";
      else
        return envelope_error{field, "must be a string, an integer or a boolean"};
      if (text.size() > max_var_bytes || text.find('\0') != std::string::npos)
        return envelope_error{field, "must be at most 4096 bytes without NUL"};
      out.vars.emplace(std::string{k}, std::move(text));
    }
  }
  return out;
}

} // namespace gh
