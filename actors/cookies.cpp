#include "actors/cookies.hpp"

#include "crypto/crypto.hpp"

namespace gh {

std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string csrf_key_of(std::string_view secrets_key) {
  return crypto::hkdf_sha256(secrets_key, "gatehouse csrf v1", 32);
}

std::string csrf_token(std::string_view key, std::string_view session_id) {
  return crypto::base64url_encode(crypto::hmac_sha256(key, session_id));
}

namespace {

/// Calls `fn(name, value)` for each `name=value` pair of a `Cookie` header, in order, until `fn`
/// returns false; names and values without their blanks, a value without its double quotes.
/// Pairs without `=` are skipped.
template <class Fn>
void each_cookie(std::string_view header, Fn&& fn) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    const auto pair = trim_blanks(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto value = trim_blanks(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!fn(trim_blanks(pair.substr(0, eq)), value))
      return;
  }
}

} // namespace

std::string_view cookie_value(std::string_view header, std::string_view name) noexcept {
  std::string_view found;
  each_cookie(header, [&](std::string_view n, std::string_view value) {
    if (n != name)
      return true;
    found = value;
    return false;
  });
  return found;
}

session_cookies read_session_cookies(std::string_view header, const cookie_names& names) noexcept {
  session_cookies out;
  const std::string* const wanted[] = {&names.access, &names.refresh, &names.csrf};
  std::string_view* const values[] = {&out.access, &out.refresh, &out.csrf};
  bool seen[] = {false, false, false};
  each_cookie(header, [&](std::string_view name, std::string_view value) {
    for (std::size_t i = 0; i < 3; ++i)
      if (name == *wanted[i]) {
        if (seen[i])
          out.repeated = true;
        else
          *values[i] = value;
        seen[i] = true;
      }
    return true;
  });
  return out;
}

} // namespace gh
