// Storage tokens arrive in the path of /storage/{token} from anyone: decoding one never crashes,
// only a token signed with the key decodes, and what decodes encodes back to the same text (one
// encoding per token, so no variant of a signed token is accepted).
#include "providers/storage/storage.hpp"
#include "providers/storage/token.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  constexpr std::string_view key = "fuzz-storage-token-key";
  const auto decoded = gh::storage::decode_token(input, key, 1700000000);
  if (const auto* claims = std::get_if<gh::storage::token_claims>(&decoded)) {
    if (gh::storage::encode_token(*claims, key) != input)
      std::abort();
    if (!gh::storage::is_object_key(claims->key) || claims->expires_at < 1700000000)
      std::abort();
  }
  // The same text is never valid under another key.
  if (std::holds_alternative<gh::storage::token_claims>(
          gh::storage::decode_token(input, "another-key", 0)))
    std::abort();
  return 0;
}
