#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::config {

/// One line of a `.env` file that could not be read.
struct dotenv_error {
  std::size_t line = 0;
  std::string message;
};

/// The parsed variables, or every line that was wrong.
using dotenv_result = std::variant<std::map<std::string, std::string>, std::vector<dotenv_error>>;

/// Parses `.env` text: `NAME=value` lines, optional `export `, `#` comments, single quotes
/// (literal) and double quotes (with `\n`, `\t`, `\"`, `\\` escapes). Values never appear in
/// the errors, since a `.env` holds secrets.
dotenv_result parse_dotenv(std::string_view text);

} // namespace gh::config
