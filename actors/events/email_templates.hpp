#pragma once

#include "messages/html.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gh::email {

/// A rendered email: its subject and its text and HTML bodies.
struct rendered {
  std::string subject;
  std::string text;
  std::string html;
};

/// Why a template could not be rendered (an unknown template, a missing or unsafe variable).
struct render_error {
  std::string message;
};

/// Renders the built-in template `name` with `vars`. `{{var}}` is replaced by the value kept on
/// one line (`decode::one_line`: controls, bidirectional controls and line separators become
/// spaces) in the subject and text part, and also HTML-escaped in the HTML part; a `name` that
/// fails `decode::name_problem` is replaced by the template's default; variables ending in
/// `_url` must be http(s) URLs without spaces or controls. Unknown variables are ignored; a
/// missing required one is an error.
std::variant<rendered, render_error> render(std::string_view name,
                                            const std::map<std::string, std::string>& vars);

using ::gh::html_escape;

} // namespace gh::email
