#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct evp_pkey_st; // OpenSSL's EVP_PKEY

namespace gh::oidc {

/// Most keys read from one JWK Set; a longer `keys` array refuses the set.
inline constexpr std::size_t max_jwks_keys = 64;

/// The key types and curves Gatehouse verifies provider signatures with.
enum class key_kind { rsa, ec_p256, ed25519 };

/// One public verification key from a provider's JWK Set.
struct verification_key {
  std::string kid; ///< Empty when the JWK has none.
  std::string alg; ///< The JWK's own `alg`, empty when absent; a token must then use exactly it.
  key_kind kind = key_kind::rsa;
  std::shared_ptr<evp_pkey_st> pkey; ///< Never null in a decoded set.
};

/// The usable keys of a JWK Set.
struct jwk_set {
  std::vector<verification_key> keys;
  std::size_t skipped = 0; ///< Entries left out (see `decode_jwks`), for logs and metrics.
};

/// Why a whole set was refused; short and safe to log.
struct jwks_error {
  std::string reason;
};

/// Decodes a JWK Set (RFC 7517 §5).
///
/// The set is refused when it is larger than `max_document_bytes`, not JSON, not an object
/// with a `keys` array, or that array has more than `max_jwks_keys` entries. One entry is
/// skipped (counted in `skipped`, never an error for the set) when it is not an object, has
/// `use` other than `sig`, `key_ops` without `verify`, an unknown `kty` or `crv`, a member of
/// the wrong type, malformed base64url (RFC 7515 §2: unpadded, canonical), a wrong length
/// (EC coordinates and Ed25519 `x` are exactly 32 bytes), an RSA modulus outside 2048–8192
/// bits or an exponent that is even, 1 or longer than 8 bytes, or an EC point off the P-256
/// curve. Private members (`d`, `p`, …) are ignored: only the public part is kept.
std::variant<jwk_set, jwks_error> decode_jwks(std::string_view body);

} // namespace gh::oidc
