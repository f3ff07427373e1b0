#include "config/dotenv.hpp"

#include <cctype>

namespace gh::config {

namespace {

constexpr std::size_t max_dotenv_bytes = 1024 * 1024;

bool is_name_char(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || c == '_' || (!first && std::isdigit(u) != 0);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// Parses the value part of a line; returns an error message or an empty string.
std::string parse_value(std::string_view raw, std::string& out) {
  raw = trim(raw);
  if (raw.empty())
    return {};
  const char quote = raw.front();
  if (quote == '\'' || quote == '"') {
    std::size_t i = 1;
    for (; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == quote)
        break;
      if (quote == '"' && c == '\\') {
        if (++i == raw.size())
          return "unterminated escape";
        switch (raw[i]) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '"':
        case '\\':
        case '$':
          out.push_back(raw[i]);
          break;
        default:
          return "unknown escape sequence";
        }
        continue;
      }
      out.push_back(c);
    }
    if (i >= raw.size())
      return "unterminated quoted value";
    auto rest = trim(raw.substr(i + 1));
    if (!rest.empty() && rest.front() != '#')
      return "text after the closing quote";
    return {};
  }
  // Unquoted: up to an inline comment (a `#` preceded by white space).
  std::size_t end = raw.size();
  for (std::size_t i = 1; i < raw.size(); ++i)
    if (raw[i] == '#' && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      end = i;
      break;
    }
  out.assign(trim(raw.substr(0, end)));
  return {};
}

} // namespace

dotenv_result parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> vars;
  std::vector<dotenv_error> errors;
  if (text.size() > max_dotenv_bytes) {
    errors.push_back({0, "file larger than 1 MiB"});
    return errors;
  }
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.find('\0') != std::string_view::npos) {
      errors.push_back({line_no, "NUL byte"});
      continue;
    }
    line = trim(line);
    if (line.empty() || line.front() == '#')
      continue;
    if (line.starts_with("export ") || line.starts_with("export\t"))
      line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      errors.push_back({line_no, "expected NAME=value"});
      continue;
    }
    const auto name = trim(line.substr(0, eq));
    bool valid_name = !name.empty();
    for (std::size_t i = 0; i < name.size() && valid_name; ++i)
      valid_name = is_name_char(name[i], i == 0);
    if (!valid_name) {
      errors.push_back({line_no, "invalid variable name"});
      continue;
    }
    std::string value;
    if (auto problem = parse_value(line.substr(eq + 1), value); !problem.empty()) {
      errors.push_back({line_no, std::string{name} + ": " + problem});
      continue;
    }
    vars.insert_or_assign(std::string{name}, std::move(value));
  }
  if (!errors.empty())
    return errors;
  return vars;
}

} // namespace gh::config
