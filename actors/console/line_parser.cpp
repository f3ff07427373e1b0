#include "actors/console/line_parser.hpp"

#include "messages/decode.hpp"

namespace gh::console {

namespace {

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

} // namespace

std::string text_problem(std::string_view text) {
  if (!decode::is_valid_utf8(text))
    return "is not valid UTF-8";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8.
    const bool c1 =
        c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if ((c < 0x20 && c != '\t') || c == 0x7F || c1)
      return "holds a control character";
  }
  return {};
}

std::variant<std::vector<std::string>, line_error> split_line(std::string_view line,
                                                              const line_limits& limits) {
  if (line.size() > limits.max_bytes)
    return line_error{"a command line may hold at most " + std::to_string(limits.max_bytes) +
                      " bytes"};
  if (auto why = text_problem(line); !why.empty())
    return line_error{"the command line " + why};

  std::vector<std::string> words;
  std::string word;
  bool in_word = false; // a word has started (possibly empty, after "")
  std::size_t i = 0;
  const auto finish_word = [&]() -> bool {
    if (!in_word)
      return true;
    if (words.size() == limits.max_words)
      return false;
    words.push_back(std::move(word));
    word.clear();
    in_word = false;
    return true;
  };
  const auto too_many = [&] {
    return line_error{"a command line may hold at most " + std::to_string(limits.max_words) +
                      " words"};
  };

  while (i < line.size()) {
    const char c = line[i];
    if (is_blank(c)) {
      if (!finish_word())
        return too_many();
      ++i;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 == line.size())
        return line_error{"the command line ends with a lone backslash"};
      word += line[i + 1];
      i += 2;
      continue;
    }
    if (c == '\'') {
      const auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos)
        return line_error{"a single quote is not closed"};
      word.append(line.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    if (c == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        if (line[i] == '\\' && i + 1 < line.size()) {
          word += line[i + 1];
          i += 2;
          continue;
        }
        word += line[i];
        ++i;
      }
      if (!closed)
        return line_error{"a double quote is not closed"};
      continue;
    }
    word += c;
    ++i;
  }
  if (!finish_word())
    return too_many();
  if (words.empty())
    return line_error{"the command line is empty; /help lists the commands"};
  return words;
}

} // namespace gh::console
