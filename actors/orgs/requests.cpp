#include "actors/orgs/requests.hpp"

#include "messages/email_request.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace gh::orgs {

namespace json = boost::json;

namespace {

constexpr std::size_t max_token_chars = 128;

/// The string member `key` of `o`, or an error naming it.
const json::string* string_member(const json::object& o, std::string_view key,
                                  field_errors& errors) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    errors.push_back({std::string{key}, "is required"});
    return nullptr;
  }
  if (!v->is_string()) {
    errors.push_back({std::string{key}, "must be a string"});
    return nullptr;
  }
  return &v->get_string();
}

std::optional<tenancy::org_role> role_member(const json::object& o, field_errors& errors) {
  const auto* text = string_member(o, "role", errors);
  if (text == nullptr)
    return std::nullopt;
  auto role = tenancy::parse_role(*text);
  if (!role)
    errors.push_back({"role", "must be one of owner, admin, member, viewer"});
  return role;
}

} // namespace

decoded<std::string> decode_name(std::string_view body) {
  auto parsed = decode::object_of(body, {"name"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  const auto* name = string_member(std::get<json::object>(parsed), "name", errors);
  if (name == nullptr)
    return errors;
  const std::string_view text = *name;
  if (auto problem = decode::text_problem(text, max_name_chars))
    return field_errors{{"name", *problem}};
  if (text.find_first_not_of(' ') == std::string_view::npos)
    return field_errors{{"name", "must not be blank"}};
  return std::string{text};
}

decoded<invitation_request> decode_invitation(std::string_view body) {
  auto parsed = decode::object_of(body, {"email", "role"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  invitation_request req;
  if (const auto* email = string_member(o, "email", errors)) {
    std::string address{*email};
    std::transform(address.begin(), address.end(), address.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    const auto at = address.find('@');
    if (!is_mail_address(address) || at == 0 || at == std::string::npos ||
        address.find('.', at) == std::string::npos)
      errors.push_back({"email", "must be one email address, like ada@example.com"});
    else
      req.email = std::move(address);
  }
  if (auto role = role_member(o, errors))
    req.role = *role;
  if (!errors.empty())
    return errors;
  return req;
}

decoded<tenancy::org_role> decode_role_change(std::string_view body) {
  auto parsed = decode::object_of(body, {"role"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  auto role = role_member(std::get<json::object>(parsed), errors);
  if (!role)
    return errors;
  return *role;
}

decoded<std::string> decode_acceptance(std::string_view body) {
  auto parsed = decode::object_of(body, {"token"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  const auto* token = string_member(std::get<json::object>(parsed), "token", errors);
  if (token == nullptr)
    return errors;
  const std::string_view text = *token;
  const bool base64url = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
  if (text.empty() || text.size() > max_token_chars || !base64url)
    return field_errors{{"token", "is not an invitation token"}};
  return std::string{text};
}

} // namespace gh::orgs
