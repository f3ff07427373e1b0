#include "actors/addresses.hpp"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace gh::addresses {

namespace {

std::string lower_ascii(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
}

/// Longer raw input is refused before Unicode normalisation sees it.
constexpr std::size_t max_identifier_bytes = 1024;

} // namespace

std::optional<std::string> nfkc(std::string_view text) {
  if (text.size() > max_identifier_bytes)
    return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfkc = unorm2_getNFKCInstance(&status);
  if (U_FAILURE(status))
    return std::nullopt;
  // UTF-8 -> UTF-16 (refusing ill-formed input), normalise, and back.
  std::vector<UChar> in(text.size() + 1);
  int32_t in_len = 0;
  u_strFromUTF8WithSub(in.data(), static_cast<int32_t>(in.size()), &in_len, text.data(),
                       static_cast<int32_t>(text.size()), -1, nullptr, &status);
  if (U_FAILURE(status))
    return std::nullopt;
  // NFKC expands a code unit into at most 18 (U+FDFA); identifiers are short.
  std::vector<UChar> norm(static_cast<std::size_t>(in_len) * 18 + 1);
  const int32_t norm_len = unorm2_normalize(nfkc, in.data(), in_len, norm.data(),
                                            static_cast<int32_t>(norm.size()), &status);
  if (U_FAILURE(status))
    return std::nullopt;
  std::string out(static_cast<std::size_t>(norm_len) * 3, '\0');
  int32_t out_len = 0;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &out_len, norm.data(), norm_len,
              &status);
  if (U_FAILURE(status))
    return std::nullopt;
  out.resize(static_cast<std::size_t>(out_len));
  return out;
}

std::optional<std::string> normalise_email(std::string_view raw) {
  // NFKC first: fullwidth, circled, ligature and other compatibility forms become what they
  // stand for, so `Ａda@example.com` is `ada@example.com`; then the rules below apply to the
  // result, so what turns into something else (a second `@`, `..`) is refused.
  const auto normal = nfkc(raw);
  if (!normal)
    return std::nullopt;
  const std::string_view text = *normal;
  if (text.empty() || text.size() > 254)
    return std::nullopt;
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 ||
      text.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  // Plain ASCII only: the mailer speaks no SMTPUTF8, and letters of other scripts that look
  // like Latin ones (Cyrillic `а`) survive NFKC.
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
        c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']')
      return std::nullopt;
  }
  const auto local = text.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return std::nullopt;
  const auto domain = text.substr(at + 1);
  if (domain.empty() || domain.size() > 253 || domain.find('.') == std::string_view::npos)
    return std::nullopt;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto end = domain.find('.', start);
    if (end == std::string_view::npos)
      end = domain.size();
    const auto label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), is_label_char))
      return std::nullopt;
    start = end + 1;
  }
  // The domain case-folded (ASCII by now, so lower case is its case folding); the local part
  // lower-cased as it always was, so stored addresses keep matching.
  return lower_ascii(text);
}

} // namespace gh::addresses
