#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace gh::jwt {

/// The claims Gatehouse puts in (and requires of) every access token.
struct claims {
  std::string iss;
  std::string sub; ///< user id
  std::string aud;
  std::string jti;
  std::string tid; ///< tenant id
  std::string sid; ///< session (refresh family) id
  int64_t iat = 0;
  int64_t nbf = 0;
  int64_t exp = 0;
};

/// Why a token was refused; the text is safe to show the caller (it never echoes the token).
struct verify_error {
  std::string reason;
};

/// One Ed25519 signing key and its identifier (the RFC 7638 JWK thumbprint).
class signing_key {
public:
  /// Reads a PEM private key; throws `std::runtime_error` naming the file on failure.
  static signing_key load_pem_file(const std::string& path);
  /// Parses PEM text; throws on anything but an Ed25519 private key.
  static signing_key from_pem(std::string_view pem, std::string_view origin);
  /// A fresh key.
  static signing_key generate();

  /// The key as PKCS#8 PEM, to store a generated key.
  std::string private_pem() const;
  const std::string& kid() const noexcept { return kid_; }
  /// The public key, 32 raw bytes.
  const std::string& public_raw() const noexcept { return public_raw_; }

  std::string sign(std::string_view data) const;
  bool verify(std::string_view data, std::string_view signature) const;

private:
  struct pkey_deleter {
    void operator()(void* p) const noexcept;
  };
  explicit signing_key(void* pkey);

  std::shared_ptr<void> pkey_;
  std::string public_raw_;
  std::string kid_;
};

/// The keys Gatehouse signs with and accepts: the newest signs, every one verifies (rotation:
/// add a key, and tokens signed by the older ones keep verifying until they expire).
/// Only `EdDSA` is accepted, from a `kid` in the ring; nothing in a token chooses the algorithm.
class key_ring {
public:
  /// `keys` oldest first; at least one.
  key_ring(std::vector<signing_key> keys, std::string issuer, std::string audience,
           std::chrono::seconds leeway = std::chrono::seconds{30});

  /// Signs `c` (its `iss` and `aud` are set from the ring) with the newest key.
  std::string issue(claims c) const;

  /// Signs `c` for another audience with `typ` in the header (the proxy's identity tokens:
  /// `aud` = an upstream's name, `typ` = `identity_token_type`). `verify` refuses such a token:
  /// its audience is not the ring's and its type is not an access token's.
  std::string issue_for(claims c, std::string_view audience, std::string_view typ) const;

  /// Checks structure, header (`alg` EdDSA, known `kid`, no `crit`), signature, and `iss`,
  /// `aud`, `exp`, `nbf`, `iat` against `now` with the leeway.
  std::variant<claims, verify_error> verify(std::string_view token, int64_t now) const;

  /// `{"keys":[...]}`: the public JWK set.
  std::string jwks_json() const;

  const std::string& issuer() const noexcept { return issuer_; }
  const std::string& audience() const noexcept { return audience_; }

private:
  std::vector<signing_key> keys_;
  std::string issuer_;
  std::string audience_;
  int64_t leeway_;
};

/// Verified tokens remembered until they expire, so the hot path checks a signature once per
/// token instead of once per request. Thread-safe; bounded (cleared when full).
class verified_cache {
public:
  explicit verified_cache(std::size_t capacity = 100000) : capacity_(capacity) {}

  std::optional<claims> find(std::string_view token, int64_t now) const;
  void put(std::string_view token, const claims& c);

private:
  static constexpr std::size_t shards = 16;
  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, claims> entries;
  };
  shard& pick(std::string_view token) const;

  std::size_t capacity_;
  mutable shard shards_[shards];
};

/// The signing keys, oldest first: the PEM files of `JWT_SIGNING_KEY_FILE` in the order given
/// (the last one signs), or, when there are none and `generated_dir` is not empty, every
/// `*.pem` in `generated_dir` by name, creating `jwt-<unix time>.pem` (mode 0600) there if it
/// holds none (development). Throws `std::runtime_error` naming the file at fault.
std::vector<signing_key> load_signing_keys(const std::vector<std::string>& files,
                                           const std::string& generated_dir);

/// The `typ` of the identity tokens the proxy gives internal services.
inline constexpr std::string_view identity_token_type = "gatehouse-identity+jwt";

/// Largest token accepted before any parsing.
inline constexpr std::size_t max_token_bytes = 4096;

} // namespace gh::jwt
