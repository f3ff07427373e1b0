#pragma once

#include <cstdlib>

namespace gh::fuzz {

/// Stops the fuzzer with a crash libFuzzer reports (and keeps the input) when a property a
/// target asserts does not hold.
inline void check(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace gh::fuzz
