#include "actors/console/command_registry.hpp"

#include "messages/decode.hpp"

#include <algorithm>
#include <stdexcept>

namespace gh::console {

namespace {

/// Bytes a string argument of a frame may hold (a typed line is bounded by its own limit).
constexpr std::size_t max_arg_bytes = 4096;

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/// `me`, `tg.chats`: 1–4 segments of 1–32 characters [a-z0-9_-].
bool valid_name(std::string_view name, std::size_t& segments) {
  segments = 0;
  std::size_t start = 0;
  while (true) {
    const auto dot = name.find('.', start);
    const auto seg = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (seg.empty() || seg.size() > 32 || !std::ranges::all_of(seg, is_name_char))
      return false;
    ++segments;
    if (dot == std::string_view::npos)
      break;
    start = dot + 1;
  }
  return segments <= 4;
}

std::string field_of(const command_arg& arg) {
  return "args." + arg.name;
}

std::string bounds_message(const command_arg& arg) {
  return "must be an integer from " + std::to_string(arg.min) + " to " + std::to_string(arg.max);
}

command_error usage_error(const command_spec& spec, std::string detail, std::string field,
                          std::string message) {
  return command_error{std::move(detail) + "; usage: " + command_registry::usage(spec),
                       {{std::move(field), std::move(message)}}};
}

} // namespace

void command_registry::add(command_spec spec) {
  std::size_t segments = 0;
  if (!valid_name(spec.name, segments))
    throw std::invalid_argument("malformed console command name '" + spec.name + "'");
  if (commands_.contains(spec.name))
    throw std::invalid_argument("console command '" + spec.name + "' registered twice");
  if (!spec.handler)
    throw std::invalid_argument("console command '" + spec.name + "' has no handler");
  bool optional_seen = false;
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    const auto& a = spec.args[i];
    const bool named =
        !a.name.empty() && a.name.size() <= 32 &&
        std::ranges::all_of(a.name, [](char c) { return c == '_' || (c >= 'a' && c <= 'z'); });
    const bool repeated = std::any_of(spec.args.begin(), spec.args.begin() + static_cast<long>(i),
                                      [&](const command_arg& b) { return b.name == a.name; });
    if (!named || repeated || (a.kind == arg_kind::rest && i + 1 != spec.args.size()) ||
        (a.kind == arg_kind::integer && a.min > a.max) || (a.required && optional_seen))
      throw std::invalid_argument("console command '" + spec.name + "' has a malformed argument '" +
                                  a.name + "'");
    optional_seen = optional_seen || !a.required;
  }
  max_name_words_ = std::max(max_name_words_, segments);
  auto name = spec.name;
  commands_.emplace(std::move(name), std::move(spec));
}

std::string command_registry::usage(const command_spec& spec) {
  std::string out = "/";
  for (const char c : spec.name)
    out += c == '.' ? ' ' : c;
  for (const auto& a : spec.args) {
    const std::string inner = a.name + (a.kind == arg_kind::rest ? "…" : "");
    out += a.required ? " <" + inner + ">" : " [" + inner + "]";
  }
  return out;
}

std::variant<resolved_command, command_error>
command_registry::resolve_line(std::string_view line, const line_limits& limits) const {
  auto split = split_line(line, limits);
  if (auto* error = std::get_if<line_error>(&split))
    return command_error{error->message, {{"line", error->message}}};
  const auto& words = std::get<std::vector<std::string>>(split);
  if (!words.front().starts_with('/') || words.front().size() == 1)
    return command_error{"a command starts with /, such as /help",
                         {{"line", "does not start with a command"}}};
  // The longest run of words that names a command: `/tg chats 5` is `tg.chats` with `5`.
  std::string name;
  const command_spec* found = nullptr;
  std::size_t used = 0;
  for (std::size_t n = 0; n < std::min(words.size(), max_name_words_); ++n) {
    name += n == 0 ? decode::ascii_lower(std::string_view{words[0]}.substr(1))
                   : "." + decode::ascii_lower(words[n]);
    if (auto it = commands_.find(name); it != commands_.end()) {
      found = &it->second;
      used = n + 1;
    }
  }
  if (found == nullptr) {
    const auto shown = decode::echoable(words.front());
    return command_error{"unknown command " + shown + "; /help lists the commands",
                         {{"line", "unknown command"}}};
  }
  return bind_words(*found, words, used);
}

std::variant<resolved_command, command_error>
command_registry::bind_words(const command_spec& spec, const std::vector<std::string>& words,
                             std::size_t first) {
  resolved_command out{&spec, {}};
  std::size_t next = first;
  for (const auto& arg : spec.args) {
    if (next == words.size()) {
      if (arg.required)
        return usage_error(spec, "missing <" + arg.name + ">", field_of(arg), "is required");
      continue;
    }
    switch (arg.kind) {
    case arg_kind::word:
      out.args[arg.name] = words[next++];
      break;
    case arg_kind::integer: {
      auto n = decode::parse_int(words[next++], 19, true);
      if (!n || *n < arg.min || *n > arg.max)
        return usage_error(spec, "<" + arg.name + "> " + bounds_message(arg), field_of(arg),
                           bounds_message(arg));
      out.args[arg.name] = *n;
      break;
    }
    case arg_kind::rest: {
      std::string joined;
      for (; next < words.size(); ++next)
        joined += (joined.empty() ? "" : " ") + words[next];
      out.args[arg.name] = joined;
      break;
    }
    }
  }
  if (next != words.size())
    return usage_error(spec, "too many arguments", "line", "too many arguments");
  return out;
}

std::variant<resolved_command, command_error>
command_registry::resolve_call(std::string_view name, const boost::json::object& args) const {
  auto it = commands_.find(name);
  if (it == commands_.end())
    return command_error{"unknown command " + decode::echoable(name) + "; /help lists the commands",
                         {{"cmd", "unknown command"}}};
  const auto& spec = it->second;
  command_error problems{"the arguments do not fit; usage: " + usage(spec), {}};
  resolved_command out{&spec, {}};
  for (const auto& field : args) {
    const std::string_view key = field.key();
    const bool known =
        std::ranges::any_of(spec.args, [key](const command_arg& a) { return a.name == key; });
    if (!known)
      problems.errors.push_back(
          {"args." + decode::echoable(key), "is not an argument of this command"});
  }
  for (const auto& arg : spec.args) {
    const auto* v = args.if_contains(arg.name);
    if (v == nullptr || v->is_null()) {
      if (arg.required)
        problems.errors.push_back({field_of(arg), "is required"});
      continue;
    }
    if (arg.kind == arg_kind::integer) {
      const auto* n = v->if_int64();
      if (n == nullptr || *n < arg.min || *n > arg.max)
        problems.errors.push_back({field_of(arg), bounds_message(arg)});
      else
        out.args[arg.name] = *n;
      continue;
    }
    const auto* s = v->if_string();
    if (s == nullptr) {
      problems.errors.push_back({field_of(arg), "must be a string"});
      continue;
    }
    if (s->size() > max_arg_bytes) {
      problems.errors.push_back(
          {field_of(arg), "may hold at most " + std::to_string(max_arg_bytes) + " bytes"});
      continue;
    }
    if (auto why = text_problem(*s); !why.empty()) {
      problems.errors.push_back({field_of(arg), why});
      continue;
    }
    out.args[arg.name] = *s;
  }
  if (!problems.errors.empty())
    return problems;
  return out;
}

boost::json::array command_registry::help() const {
  boost::json::array list;
  for (const auto& [name, spec] : commands_)
    list.push_back(
        boost::json::object{{"command", name}, {"usage", usage(spec)}, {"help", spec.help}});
  return list;
}

} // namespace gh::console
