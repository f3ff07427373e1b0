#pragma once

#include "actors/commands.hpp"
#include "actors/console/line_parser.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::console {

/// A command found for a line or a frame, with its checked arguments.
struct resolved_command {
  const command_spec* spec = nullptr;
  boost::json::object args;
};

/// Why a line or a frame names no runnable command: always a 400 `validation` problem.
struct command_error {
  std::string detail;
  std::vector<field_error> errors;
};

/// The commands of the console, by name: what capabilities registered through
/// `app::add_command`. Resolves typed lines (`/tg chats 5`) and named calls (`tg.chats` with
/// `{"n": 5}`) to a command and arguments checked against its grammar. Built once before
/// serving, read-only after.
class command_registry {
public:
  /// Adds `spec`; throws `std::invalid_argument` for a malformed or repeated name or grammar
  /// (a programming error in a module, found at start-up).
  void add(command_spec spec);

  /// The command of a typed line: the longest run of leading words (the first with its `/`,
  /// matched case-insensitively) that names one, then its positional arguments.
  std::variant<resolved_command, command_error> resolve_line(std::string_view line,
                                                             const line_limits& limits = {}) const;

  /// The command `name` with the named arguments `args`.
  std::variant<resolved_command, command_error> resolve_call(std::string_view name,
                                                             const boost::json::object& args) const;

  /// `[{command, usage, help}]` in name order: what `/help` shows.
  boost::json::array help() const;

  /// How `spec` is typed: `/checkout <plan>`, `/tg chats [n]`, `/tg send <chat> <text…>`.
  static std::string usage(const command_spec& spec);

  std::size_t size() const noexcept { return commands_.size(); }

private:
  static std::variant<resolved_command, command_error>
  bind_words(const command_spec& spec, const std::vector<std::string>& words, std::size_t first);

  std::map<std::string, command_spec, std::less<>> commands_;
  std::size_t max_name_words_ = 1;
};

} // namespace gh::console
