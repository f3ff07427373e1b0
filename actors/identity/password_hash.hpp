#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh::credentials {

/// argon2id cost parameters; the defaults are OWASP's (m = 19 MiB, t = 2, p = 1).
struct argon2_params {
  uint32_t memory_kib = 19 * 1024;
  uint32_t iterations = 2;
  uint32_t lanes = 1;
};

/// The PHC string (`$argon2id$v=19$m=...`) of `password` with a fresh 16-byte salt.
/// CPU- and memory-heavy by design: call it off the io threads.
std::string hash_password(std::string_view password, const argon2_params& params = {});

/// True when `password` matches the PHC string `encoded` (false for a malformed one).
bool verify_password(std::string_view encoded, std::string_view password);

/// A hash of a random password with `params`, to verify against when the account does not
/// exist, so unknown users and wrong passwords take the same time.
const std::string& dummy_hash(const argon2_params& params = {});

} // namespace gh::credentials
