// Every bearer token and session cookie goes through key_ring::verify: for any bytes it must
// refuse or yield claims without crashing, and nothing unsigned by the ring may pass.
#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

const gh::jwt::key_ring& ring() {
  static const gh::jwt::key_ring keys{
      {gh::jwt::signing_key::generate()}, "https://issuer.test", "https://issuer.test"};
  return keys;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token{reinterpret_cast<const char*>(data), size};
  const auto result = ring().verify(token, 1'800'000'000);
  // The key is fresh each run and never signs fuzz input, so acceptance means a forgery.
  if (std::holds_alternative<gh::jwt::claims>(result))
    std::abort();
  // The decoder beneath must agree with the encoder on whatever it accepts.
  if (auto decoded = gh::crypto::base64url_decode(token);
      decoded && gh::crypto::base64url_encode(*decoded) != token)
    std::abort();
  return 0;
}
