#include "actors/federation/idp_event.hpp"

#include "messages/decode.hpp"
#include "messages/json.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace gh::federation {

namespace json = boost::json;

namespace {

constexpr std::size_t max_fusionauth_type_bytes = 64;
// A name of 200 code points takes at most 800 bytes of UTF-8.
constexpr std::size_t max_idp_name_bytes = max_idp_name_chars * 4;

constexpr std::array<std::pair<std::string_view, idp_event_type>, 5> fusionauth_types{{
    {"user.create", idp_event_type::user_created},
    {"user.update", idp_event_type::user_updated},
    {"user.deactivate", idp_event_type::user_disabled},
    {"user.reactivate", idp_event_type::user_updated},
    {"user.delete", idp_event_type::user_deleted},
}};

std::string_view view_of(const json::string& s) noexcept {
  return {s.data(), s.size()};
}

bool printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

idp_event_error field_problem(std::string field, std::string message) {
  return idp_event_error{"the provider's event is not a valid user event",
                         {field_error{std::move(field), std::move(message)}}};
}

// What is wrong with an event id; nullopt when nothing is.
std::optional<std::string> id_problem(std::string_view id) {
  if (id.empty())
    return "must not be empty";
  if (id.size() > max_idp_id_bytes)
    return "must be at most 255 characters";
  if (!printable_ascii(id))
    return "must be printable ASCII without spaces";
  return std::nullopt;
}

std::optional<std::string> sub_problem(std::string_view sub) {
  if (sub.empty())
    return "must not be empty";
  if (sub.size() > max_idp_id_bytes)
    return "must be at most 255 bytes";
  return decode::text_problem(sub, max_idp_id_bytes);
}

std::optional<std::string> email_problem(std::string_view email) {
  if (email.empty() || email.size() > max_idp_email_bytes)
    return "must be 1 to 254 characters";
  if (email.find('@') == std::string_view::npos)
    return "must be an e-mail address";
  if (auto problem = decode::text_problem(email, max_idp_email_bytes))
    return problem;
  if (email.find(' ') != std::string_view::npos)
    return "must not contain spaces";
  return std::nullopt;
}

std::optional<std::string> phone_problem(std::string_view phone) {
  if (phone.empty() || phone.size() > max_idp_phone_bytes)
    return "must be 1 to 32 characters";
  const bool allowed = std::all_of(phone.begin(), phone.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '(' || c == ')' || c == '.' ||
           c == ' ';
  });
  if (!allowed ||
      std::none_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "must be a phone number (digits, spaces, +, -, ., parentheses)";
  return std::nullopt;
}

std::optional<std::string> display_name_problem(std::string_view name) {
  if (name.size() > max_idp_name_bytes)
    return "must be at most 200 characters";
  return decode::name_problem(name, max_idp_name_chars);
}

using text_check = std::optional<std::string> (*)(std::string_view);

// Reads the optional string member `key` of `o` (null counts as absent) into `out` when `check`
// passes; otherwise the problem, naming `path`.
std::optional<idp_event_error> read_optional_text(const json::object& o, std::string_view key,
                                                  std::string_view path, text_check check,
                                                  std::optional<std::string>& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  if (!v->is_string())
    return field_problem(std::string{path}, "must be a string");
  const auto text = view_of(v->get_string());
  if (auto problem = check(text))
    return field_problem(std::string{path}, std::move(*problem));
  out = std::string{text};
  return std::nullopt;
}

std::optional<idp_event_error> read_optional_bool(const json::object& o, std::string_view key,
                                                  std::string_view path, std::optional<bool>& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  if (!v->is_bool())
    return field_problem(std::string{path}, "must be true or false");
  out = v->get_bool();
  return std::nullopt;
}

std::optional<idp_event_error> read_required_text(const json::object& o, std::string_view key,
                                                  std::string_view path, text_check check,
                                                  std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null())
    return field_problem(std::string{path}, "is required");
  if (!v->is_string())
    return field_problem(std::string{path}, "must be a string");
  const auto text = view_of(v->get_string());
  if (auto problem = check(text))
    return field_problem(std::string{path}, std::move(*problem));
  out = std::string{text};
  return std::nullopt;
}

const json::object* object_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

// The body as an object, or the problem.
std::variant<json::object, idp_event_error> body_object(std::string_view body) {
  if (body.size() > max_idp_body_bytes)
    return idp_event_error{"the provider's event is larger than 64 KiB", {}};
  auto parsed = parse_untrusted_json(body, json_limits{max_idp_body_bytes, max_idp_body_depth});
  if (auto* error = std::get_if<json_error>(&parsed))
    return idp_event_error{"the provider's event is not JSON: " + error->message, {}};
  auto& value = std::get<json::value>(parsed);
  if (!value.is_object())
    return idp_event_error{"the provider's event is not a JSON object", {}};
  return std::move(value.as_object());
}

// The user members shared by the Standard Webhooks `data` and the normalised event.
std::optional<idp_event_error> read_claims(const json::object& o, std::string_view prefix,
                                           idp_event& event) {
  const auto path = [&](std::string_view name) { return std::string{prefix} + std::string{name}; };
  if (auto e = read_required_text(o, "sub", path("sub"), sub_problem, event.sub))
    return e;
  if (auto e = read_optional_text(o, "email", path("email"), email_problem, event.email))
    return e;
  if (auto e =
          read_optional_bool(o, "email_verified", path("email_verified"), event.email_verified))
    return e;
  if (auto e = read_optional_text(o, "phone", path("phone"), phone_problem, event.phone))
    return e;
  return read_optional_text(o, "name", path("name"), display_name_problem, event.name);
}

std::optional<idp_event_error> read_type(const json::object& o, std::string_view path,
                                         idp_event& event) {
  const auto* v = o.if_contains("type");
  if (v == nullptr || v->is_null())
    return field_problem(std::string{path}, "is required");
  const auto* s = v->if_string();
  const auto type = s != nullptr ? idp_event_type_of(view_of(*s)) : std::nullopt;
  if (!type)
    return field_problem(std::string{path},
                         "must be user.created, user.updated, user.disabled or user.deleted");
  event.type = *type;
  return std::nullopt;
}

// FusionAuth's name: `fullName` unless blank, else `firstName` and `lastName` joined (a joined
// name too long as a whole is laid at `lastName`'s door).
std::optional<idp_event_error> read_fusionauth_name(const json::object& user, idp_event& event) {
  const auto text_member = [&](std::string_view key,
                               std::string& out) -> std::optional<idp_event_error> {
    const auto* v = user.if_contains(key);
    if (v == nullptr || v->is_null())
      return std::nullopt;
    if (!v->is_string())
      return field_problem("event.user." + std::string{key}, "must be a string");
    if (v->get_string().size() > max_idp_name_bytes)
      return field_problem("event.user." + std::string{key}, "must be at most 200 characters");
    out = decode::trim_space(view_of(v->get_string()));
    return std::nullopt;
  };
  std::string full;
  std::string first;
  std::string last;
  if (auto e = text_member("fullName", full))
    return e;
  if (auto e = text_member("firstName", first))
    return e;
  if (auto e = text_member("lastName", last))
    return e;
  // Only the members used are checked, each on its own so that the problem names it.
  const auto check = [](const std::string& part,
                        std::string_view key) -> std::optional<idp_event_error> {
    if (auto problem = display_name_problem(part))
      return field_problem("event.user." + std::string{key}, std::move(*problem));
    return std::nullopt;
  };
  if (!full.empty()) {
    if (auto e = check(full, "fullName"))
      return e;
  } else {
    if (auto e = first.empty() ? std::nullopt : check(first, "firstName"))
      return e;
    if (auto e = last.empty() ? std::nullopt : check(last, "lastName"))
      return e;
    full = first.empty() || last.empty() ? first + last : first + " " + last;
    if (full.empty())
      return std::nullopt;
    if (auto e = check(full, "lastName"))
      return e;
  }
  event.name = std::move(full);
  return std::nullopt;
}

} // namespace

std::string_view to_string(idp_event_type type) noexcept {
  switch (type) {
  case idp_event_type::user_created:
    return "user.created";
  case idp_event_type::user_updated:
    return "user.updated";
  case idp_event_type::user_disabled:
    return "user.disabled";
  case idp_event_type::user_deleted:
    return "user.deleted";
  }
  return "user.updated";
}

std::optional<idp_event_type> idp_event_type_of(std::string_view text) noexcept {
  for (auto type : {idp_event_type::user_created, idp_event_type::user_updated,
                    idp_event_type::user_disabled, idp_event_type::user_deleted})
    if (to_string(type) == text)
      return type;
  return std::nullopt;
}

idp_decode_result decode_standard_webhook_event(std::string_view webhook_id,
                                                std::string_view body) {
  if (auto problem = id_problem(webhook_id))
    return field_problem("webhook-id", std::move(*problem));
  auto parsed = body_object(body);
  if (auto* error = std::get_if<idp_event_error>(&parsed))
    return std::move(*error);
  const auto& root = std::get<json::object>(parsed);
  idp_event event;
  event.id = std::string{webhook_id};
  if (auto e = read_type(root, "type", event))
    return std::move(*e);
  const auto* data = object_member(root, "data");
  if (data == nullptr)
    return field_problem("data", root.contains("data") ? "must be an object" : "is required");
  if (auto e = read_claims(*data, "data.", event))
    return std::move(*e);
  return event;
}

idp_decode_result decode_fusionauth_event(std::string_view body) {
  auto parsed = body_object(body);
  if (auto* error = std::get_if<idp_event_error>(&parsed))
    return std::move(*error);
  const auto& root = std::get<json::object>(parsed);
  const auto* ev = object_member(root, "event");
  if (ev == nullptr)
    return field_problem("event", root.contains("event") ? "must be an object" : "is required");

  idp_event event;
  if (auto e = read_required_text(*ev, "id", "event.id", id_problem, event.id))
    return std::move(*e);
  std::string type;
  const auto type_problem = [](std::string_view t) -> std::optional<std::string> {
    if (t.empty() || t.size() > max_fusionauth_type_bytes || !printable_ascii(t))
      return "must be 1 to 64 printable ASCII characters";
    return std::nullopt;
  };
  if (auto e = read_required_text(*ev, "type", "event.type", type_problem, type))
    return std::move(*e);
  const auto mapped = std::find_if(fusionauth_types.begin(), fusionauth_types.end(),
                                   [&](const auto& entry) { return entry.first == type; });
  if (mapped == fusionauth_types.end())
    return ignored_idp_event{std::move(event.id), std::move(type)};
  event.type = mapped->second;

  const auto* user = object_member(*ev, "user");
  if (user == nullptr)
    return field_problem("event.user", ev->contains("user") ? "must be an object" : "is required");
  if (auto e = read_required_text(*user, "id", "event.user.id", sub_problem, event.sub))
    return std::move(*e);
  if (auto e = read_optional_text(*user, "email", "event.user.email", email_problem, event.email))
    return std::move(*e);
  if (auto e = read_optional_bool(*user, "verified", "event.user.verified", event.email_verified))
    return std::move(*e);
  if (auto e = read_optional_text(*user, "mobilePhone", "event.user.mobilePhone", phone_problem,
                                  event.phone))
    return std::move(*e);
  if (auto e = read_fusionauth_name(*user, event))
    return std::move(*e);
  return event;
}

json::object to_json(const idp_event& event) {
  json::object o;
  o["id"] = event.id;
  o["type"] = to_string(event.type);
  o["sub"] = event.sub;
  if (event.email)
    o["email"] = *event.email;
  if (event.email_verified)
    o["email_verified"] = *event.email_verified;
  if (event.phone)
    o["phone"] = *event.phone;
  if (event.name)
    o["name"] = *event.name;
  return o;
}

std::string encode_idp_event(const idp_event& event) {
  return json::serialize(to_json(event));
}

std::variant<idp_event, idp_event_error> idp_event_from_json(const json::object& data) {
  idp_event event;
  if (auto e = read_required_text(data, "id", "id", id_problem, event.id))
    return std::move(*e);
  if (auto e = read_type(data, "type", event))
    return std::move(*e);
  if (auto e = read_claims(data, "", event))
    return std::move(*e);
  return event;
}

std::variant<idp_event, idp_event_error> decode_idp_event(std::string_view text) {
  auto parsed = body_object(text);
  if (auto* error = std::get_if<idp_event_error>(&parsed))
    return std::move(*error);
  return idp_event_from_json(std::get<json::object>(parsed));
}

} // namespace gh::federation
