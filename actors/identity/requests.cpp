#include "actors/identity/requests.hpp"

#include "actors/identity/credentials.hpp"
#include "messages/decode.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <initializer_list>

namespace gh::identity {

namespace json = boost::json;

namespace {

constexpr std::size_t max_body = std::size_t{16} * 1024;
constexpr std::size_t max_name_chars = 200;

/// Parses `body` into an object, refusing fields outside `allowed`.
std::variant<json::object, field_errors> object_of(std::string_view body,
                                                   std::initializer_list<std::string_view> allowed,
                                                   bool empty_ok = false) {
  if (empty_ok && body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return json::object{};
  auto parsed = parse_untrusted_json(body, json_limits{max_body, 8});
  if (auto* err = std::get_if<json_error>(&parsed))
    return field_errors{{"", err->message}};
  auto& value = std::get<json::value>(parsed);
  if (!value.is_object())
    return field_errors{{"", "the body must be a JSON object"}};
  field_errors errors;
  for (const auto& member : value.as_object()) {
    const std::string_view key = member.key();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      errors.push_back({std::string{key}.substr(0, 64), "unknown field"});
  }
  if (!errors.empty())
    return errors;
  return std::move(value.as_object());
}

/// A string field: absent or null -> empty; otherwise checked for type, NUL and length.
std::optional<std::string> string_field(const json::object& o, std::string_view key,
                                        std::size_t max_chars, field_errors& errors) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  const auto* s = v->if_string();
  if (s == nullptr) {
    errors.push_back({std::string{key}, "must be a string"});
    return std::nullopt;
  }
  const std::string_view text = *s;
  if (text.find('\0') != std::string_view::npos) {
    errors.push_back({std::string{key}, "must not contain NUL characters"});
    return std::nullopt;
  }
  if (credentials::code_points(text) > max_chars) {
    errors.push_back(
        {std::string{key}, "must be at most " + std::to_string(max_chars) + " characters"});
    return std::nullopt;
  }
  return std::string{text};
}

bool session_field(const json::object& o, field_errors& errors) {
  auto mode = string_field(o, "session", 16, errors);
  if (!mode)
    return false;
  if (*mode == "cookie")
    return true;
  if (*mode != "token")
    errors.push_back({"session", R"(must be "cookie" or "token")"});
  return false;
}

/// A person's name: checked by `decode::name_problem` and stored trimmed.
std::optional<std::string> name_field(const json::object& o, field_errors& errors) {
  auto name = string_field(o, "name", max_name_chars, errors);
  if (!name)
    return std::nullopt;
  if (auto problem = decode::name_problem(*name, max_name_chars)) {
    errors.push_back({"name", *problem});
    return std::nullopt;
  }
  return decode::trim_space(*name);
}

/// Email and/or phone, normalised; at least one (for register) or exactly one (for login).
void identifier_fields(const json::object& o, std::optional<std::string>& email,
                       std::optional<std::string>& phone, bool exactly_one, field_errors& errors) {
  const auto before = errors.size();
  const auto raw_email = string_field(o, "email", 254, errors);
  const auto raw_phone = string_field(o, "phone", 32, errors);
  if (raw_email) {
    email = credentials::normalise_email(*raw_email);
    if (!email)
      errors.push_back({"email", "is not a valid email address"});
  }
  if (raw_phone) {
    phone = credentials::normalise_phone(*raw_phone);
    if (!phone)
      errors.push_back(
          {"phone", "must be an international number in E.164 form, like +14155550123"});
  }
  if (!raw_email && !raw_phone && errors.size() == before)
    errors.push_back({"email", "an email address or a phone number is required"});
  else if (exactly_one && raw_email && raw_phone)
    errors.push_back({"phone", "give either an email address or a phone number, not both"});
}

std::string required_password(const json::object& o, std::string_view key, field_errors& errors) {
  if (!o.contains(key)) {
    errors.push_back({std::string{key}, "is required"});
    return {};
  }
  auto value = string_field(o, key, 128, errors);
  if (!value && o.at(key).is_null())
    errors.push_back({std::string{key}, "is required"});
  return value.value_or(std::string{});
}

/// A new password: required, a string, and acceptable under `credentials::password_problem`.
std::string new_password_field(const json::object& o, std::string_view key, field_errors& errors) {
  if (!o.contains(key)) {
    errors.push_back({std::string{key}, "is required"});
    return {};
  }
  const auto* pw = o.at(key).if_string();
  if (pw == nullptr) {
    errors.push_back({std::string{key}, "must be a string"});
    return {};
  }
  std::string password{*pw};
  if (auto problem = credentials::password_problem(password))
    errors.push_back({std::string{key}, *problem});
  return password;
}

/// A required string field of at most `max_chars` characters.
std::string required_string(const json::object& o, std::string_view key, std::size_t max_chars,
                            field_errors& errors) {
  const auto before = errors.size();
  auto value = string_field(o, key, max_chars, errors);
  if (!value && errors.size() == before)
    errors.push_back({std::string{key}, "is required"});
  return value.value_or(std::string{});
}

} // namespace

decoded<register_request> decode_register(std::string_view body) {
  auto parsed = object_of(body, {"email", "phone", "password", "name", "session"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  register_request r;
  identifier_fields(o, r.email, r.phone, false, errors);
  r.password = new_password_field(o, "password", errors);
  r.name = name_field(o, errors);
  r.cookie_session = session_field(o, errors);
  if (!errors.empty())
    return errors;
  return r;
}

decoded<login_request> decode_login(std::string_view body) {
  auto parsed = object_of(body, {"email", "phone", "password", "totp", "session"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  login_request r;
  identifier_fields(o, r.email, r.phone, true, errors);
  r.password = required_password(o, "password", errors);
  r.totp = string_field(o, "totp", 32, errors);
  r.cookie_session = session_field(o, errors);
  if (!errors.empty())
    return errors;
  return r;
}

decoded<password_change_request> decode_password_change(std::string_view body) {
  auto parsed = object_of(body, {"current_password", "new_password"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  password_change_request r;
  r.current_password = required_password(o, "current_password", errors);
  r.new_password = new_password_field(o, "new_password", errors);
  if (!errors.empty())
    return errors;
  return r;
}

decoded<profile_patch> decode_profile_patch(std::string_view body) {
  auto parsed = object_of(body, {"name"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  profile_patch p;
  if (o.contains("name")) {
    p.set_name = true;
    p.name = name_field(o, errors);
  }
  if (!errors.empty())
    return errors;
  return p;
}

decoded<std::string> decode_totp_code(std::string_view body) {
  auto parsed = object_of(body, {"code"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  auto code = required_string(std::get<json::object>(parsed), "code", 32, errors);
  if (!errors.empty())
    return errors;
  return code;
}

decoded<std::string> decode_password_forgot(std::string_view body) {
  auto parsed = object_of(body, {"email"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  const auto raw = required_string(std::get<json::object>(parsed), "email", 254, errors);
  if (!errors.empty())
    return errors;
  auto email = credentials::normalise_email(raw);
  if (!email)
    return field_errors{{"email", "is not a valid email address"}};
  return std::move(*email);
}

decoded<password_reset_request> decode_password_reset(std::string_view body) {
  auto parsed = object_of(body, {"token", "new_password"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  password_reset_request r;
  r.token = required_string(o, "token", 256, errors);
  r.new_password = new_password_field(o, "new_password", errors);
  if (!errors.empty())
    return errors;
  return r;
}

decoded<std::string> decode_account_deletion(std::string_view body) {
  auto parsed = object_of(body, {"password"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  field_errors errors;
  auto password = required_password(std::get<json::object>(parsed), "password", errors);
  if (!errors.empty())
    return errors;
  return password;
}

decoded<std::string> decode_refresh(std::string_view body) {
  auto parsed = object_of(body, {"refresh_token"}, true);
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  auto token = string_field(o, "refresh_token", 256, errors);
  if (!errors.empty())
    return errors;
  return token.value_or(std::string{});
}

} // namespace gh::identity
