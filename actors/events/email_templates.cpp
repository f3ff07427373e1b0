#include "actors/events/email_templates.hpp"

#include "messages/decode.hpp"

#include <algorithm>
#include <vector>

namespace gh::email {

namespace {

struct template_def {
  std::string_view name;
  std::string_view subject;
  std::string_view text;
  std::string_view html;
  std::vector<std::string_view> required;
  std::map<std::string_view, std::string_view> defaults;
};

const std::vector<template_def>& templates() {
  static const std::vector<template_def> all{
      {"welcome",
       "Welcome to Gatehouse",
       "Hello {{name}},\n\nyour account is ready. You can sign in with this address from now "
       "on.\n\nIf you did not create this account, reply to this message and we will close "
       "it.\n",
       "<!doctype html><html><body><p>Hello {{name}},</p><p>your account is ready. You can sign "
       "in with this address from now on.</p><p>If you did not create this account, reply to "
       "this message and we will close it.</p></body></html>",
       {},
       {{"name", "there"}}},
      {"password_reset",
       "Reset your password",
       "Hello {{name}},\n\nsomeone asked to reset the password of your account. To choose a new "
       "one, open this link within {{expires_in_minutes}} minutes:\n\n{{reset_url}}\n\nIf it was "
       "not you, ignore this message: your password stays as it is.\n",
       "<!doctype html><html><body><p>Hello {{name}},</p><p>someone asked to reset the password "
       "of your account. To choose a new one, open this link within {{expires_in_minutes}} "
       "minutes:</p><p><a href=\"{{reset_url}}\">{{reset_url}}</a></p><p>If it was not you, "
       "ignore this message: your password stays as it is.</p></body></html>",
       {"reset_url", "expires_in_minutes"},
       {{"name", "there"}}},
      {"org_invitation",
       "You are invited to join {{org_name}}",
       "Hello,\n\n{{inviter}} invited you to join {{org_name}} as {{role}}. To accept, sign in "
       "with this address and open this link within {{expires_in_days}} days:\n\n{{invite_url}}"
       "\n\nThe link works once. If you do not know {{inviter}}, ignore this message.\n",
       "<!doctype html><html><body><p>Hello,</p><p>{{inviter}} invited you to join "
       "<strong>{{org_name}}</strong> as {{role}}. To accept, sign in with this address and open "
       "this link within {{expires_in_days}} days:</p><p><a href=\"{{invite_url}}\">"
       "{{invite_url}}</a></p><p>The link works once. If you do not know {{inviter}}, ignore this "
       "message.</p></body></html>",
       {"invite_url", "org_name", "role"},
       {{"inviter", "Someone"}, {"expires_in_days", "7"}}},
  };
  return all;
}

/// An http(s) URL without white space or control characters (it stands alone on a line).
bool is_http_url(std::string_view v) noexcept {
  return (v.starts_with("https://") || v.starts_with("http://")) &&
         std::none_of(v.begin(), v.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

/// The longest person's name a mail quotes (the identity decoders' limit).
constexpr std::size_t max_name_chars = 200;

/// `pattern` with each `{{var}}` replaced by `value(var)`.
template <class Value>
std::string substitute(std::string_view pattern, Value value) {
  std::string out;
  out.reserve(pattern.size() + 128);
  std::size_t at = 0;
  while (at < pattern.size()) {
    const auto open = pattern.find("{{", at);
    if (open == std::string_view::npos) {
      out.append(pattern.substr(at));
      break;
    }
    const auto close = pattern.find("}}", open + 2);
    out.append(pattern.substr(at, open - at));
    out.append(value(pattern.substr(open + 2, close - open - 2)));
    at = close + 2;
  }
  return out;
}

} // namespace

std::variant<rendered, render_error> render(std::string_view name,
                                            const std::map<std::string, std::string>& vars) {
  const template_def* def = nullptr;
  for (const auto& t : templates())
    if (t.name == name)
      def = &t;
  if (def == nullptr)
    return render_error{"unknown template '" + std::string{name} + "'"};
  for (auto required : def->required)
    if (!vars.contains(std::string{required}))
      return render_error{"template '" + std::string{name} + "' needs the variable '" +
                          std::string{required} + "'"};
  for (const auto& [key, value] : vars)
    if (key.ends_with("_url") && !is_http_url(value))
      return render_error{"variable '" + key +
                          "' must be an http(s) URL without spaces or control characters"};
  // Every value stays on its line: control characters (CR and LF included), bidirectional
  // controls and line separators become spaces, in the subject and in both parts. A name that
  // is not acceptable as a name (identity's rules) is replaced by the template's default, so a
  // message smuggled into a name never reaches the recipient.
  auto lookup = [&](std::string_view var) -> std::string {
    auto it = vars.find(std::string{var});
    if (it != vars.end() && !(var == "name" && decode::name_problem(it->second, max_name_chars)))
      return decode::one_line(var == "name" ? decode::trim_space(it->second) : it->second);
    if (auto d = def->defaults.find(var); d != def->defaults.end())
      return std::string{d->second};
    return {};
  };
  rendered out;
  out.subject = substitute(def->subject, lookup);
  out.text = substitute(def->text, lookup);
  out.html = substitute(def->html, [&](std::string_view var) { return html_escape(lookup(var)); });
  return out;
}

} // namespace gh::email
