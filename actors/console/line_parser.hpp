#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::console {

/// Bounds of one typed command line.
struct line_limits {
  std::size_t max_bytes = 4096;
  std::size_t max_words = 64;
};

/// Why a line cannot be split: a short reason fit for a problem `detail`.
struct line_error {
  std::string message;
};

/// Splits a typed command line into words, as a shell would, without expansions: blanks (space,
/// tab) separate words; `"..."` groups words and takes backslash escapes (`\"`, `\\`); `'...'`
/// groups words literally; outside quotes a backslash makes the next character literal; parts
/// that touch form one word (`a"b c"` is `ab c`), and `""` is an empty word. Refuses an empty or
/// blank line, text that is not UTF-8, control characters (C0, DEL, C1) other than the blanks,
/// an unterminated quote, a trailing backslash, and lines over the limits.
std::variant<std::vector<std::string>, line_error> split_line(std::string_view line,
                                                              const line_limits& limits = {});

/// What is wrong with `text` as an argument: not UTF-8 or a control character (C0 other than
/// tab, DEL, C1); empty when nothing is.
std::string text_problem(std::string_view text);

} // namespace gh::console
