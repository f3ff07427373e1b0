#include "actors/identity/password_hash.hpp"

#include "crypto/crypto.hpp"

#include <argon2.h>

#include <stdexcept>
#include <vector>

namespace gh::credentials {

std::string hash_password(std::string_view password, const argon2_params& params) {
  const auto salt = crypto::random_bytes(16);
  constexpr std::size_t hash_len = 32;
  const auto encoded_len =
      argon2_encodedlen(params.iterations, params.memory_kib, params.lanes,
                        static_cast<uint32_t>(salt.size()), hash_len, Argon2_id);
  std::vector<char> encoded(encoded_len);
  const int rc = argon2id_hash_encoded(params.iterations, params.memory_kib, params.lanes,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       hash_len, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    throw std::runtime_error(std::string{"argon2id failed: "} + argon2_error_message(rc));
  return std::string{encoded.data()};
}

bool verify_password(std::string_view encoded, std::string_view password) {
  if (!encoded.starts_with("$argon2id$"))
    return false;
  const std::string phc{encoded};
  return argon2id_verify(phc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& dummy_hash(const argon2_params& params) {
  static const std::string hash = hash_password(crypto::random_token(24), params);
  return hash;
}

} // namespace gh::credentials
