// Every cookie-authenticated request has its Cookie header read by read_session_cookies, in one
// pass: for any bytes it must find what reading each name on its own finds (the first value),
// flag a name seen twice exactly when it is, and only ever point into the header.
#include "actors/cookies.hpp"
#include "tests/fuzz/check.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace {

/// How many `name=` pairs the header holds, counted apart from the reader under test.
std::size_t pairs_named(std::string_view header, std::string_view name) {
  std::size_t n = 0;
  while (!header.empty()) {
    const auto semi = header.find(';');
    const auto pair = gh::trim_blanks(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && gh::trim_blanks(pair.substr(0, eq)) == name)
      ++n;
  }
  return n;
}

bool inside(std::string_view part, std::string_view whole) {
  const std::less_equal<const char*> le;
  return part.empty() || (le(whole.data(), part.data()) &&
                          le(part.data() + part.size(), whole.data() + whole.size()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view header{reinterpret_cast<const char*>(data), size};
  for (const bool production : {false, true}) {
    const auto names = gh::cookie_names::for_production(production);
    const auto found = gh::read_session_cookies(header, names);
    gh::fuzz::check(found.access == gh::cookie_value(header, names.access));
    gh::fuzz::check(found.refresh == gh::cookie_value(header, names.refresh));
    gh::fuzz::check(found.csrf == gh::cookie_value(header, names.csrf));
    for (const auto value : {found.access, found.refresh, found.csrf})
      gh::fuzz::check(inside(value, header));
    const bool twice = pairs_named(header, names.access) > 1 ||
                       pairs_named(header, names.refresh) > 1 ||
                       pairs_named(header, names.csrf) > 1;
    gh::fuzz::check(found.repeated == twice);
  }
  return 0;
}
