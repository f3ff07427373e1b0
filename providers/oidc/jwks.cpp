#include "providers/oidc/jwks.hpp"

#include "crypto/crypto.hpp"
#include "messages/json.hpp"
#include "providers/oidc/discovery.hpp"
#include "providers/oidc/json_members.hpp"

#include <boost/json/object.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>

namespace gh::oidc {

namespace {

constexpr int min_rsa_bits = 2048;
constexpr int max_rsa_bits = 8192;
constexpr std::size_t coordinate_bytes = 32; // P-256 coordinates and Ed25519 public keys

struct jwk_bn_free {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct jwk_bld_free {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct jwk_params_free {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct jwk_ctx_free {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using jwk_bn = std::unique_ptr<BIGNUM, jwk_bn_free>;
using jwk_bld = std::unique_ptr<OSSL_PARAM_BLD, jwk_bld_free>;
using jwk_params = std::unique_ptr<OSSL_PARAM, jwk_params_free>;
using jwk_ctx = std::unique_ptr<EVP_PKEY_CTX, jwk_ctx_free>;

std::shared_ptr<evp_pkey_st> own_pkey(EVP_PKEY* p) {
  return {p, [](EVP_PKEY* k) { EVP_PKEY_free(k); }};
}

/// Imports a public key of `type` from `params` and checks it (for EC: the point is on the
/// curve); null when OpenSSL refuses it.
std::shared_ptr<evp_pkey_st> import_public(const char* type, jwk_bld& builder) {
  jwk_params params{OSSL_PARAM_BLD_to_param(builder.get())};
  jwk_ctx ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || raw == nullptr)
    return nullptr;
  auto key = own_pkey(raw);
  jwk_ctx check{EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr)};
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return nullptr;
  return key;
}

/// A base64url member decoded; nullopt when absent, not a string or malformed.
std::optional<std::string> b64_member(const boost::json::object& jwk, std::string_view key) {
  const auto* v = jwk.if_contains(key);
  if (v == nullptr || !v->is_string())
    return std::nullopt;
  return crypto::base64url_decode(std::string_view{v->get_string()});
}

std::shared_ptr<evp_pkey_st> rsa_key(const boost::json::object& jwk) {
  const auto n = b64_member(jwk, "n");
  const auto e = b64_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty() || e->size() > 8)
    return nullptr;
  jwk_bn bn_n{BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                        static_cast<int>(n->size()), nullptr)};
  jwk_bn bn_e{BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                        static_cast<int>(e->size()), nullptr)};
  if (!bn_n || !bn_e)
    return nullptr;
  const int bits = BN_num_bits(bn_n.get());
  if (bits < min_rsa_bits || bits > max_rsa_bits || !BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()))
    return nullptr;
  jwk_bld builder{OSSL_PARAM_BLD_new()};
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return nullptr;
  return import_public("RSA", builder);
}

std::shared_ptr<evp_pkey_st> p256_key(const boost::json::object& jwk) {
  const auto x = b64_member(jwk, "x");
  const auto y = b64_member(jwk, "y");
  if (!x || !y || x->size() != coordinate_bytes || y->size() != coordinate_bytes)
    return nullptr;
  // SEC 1 uncompressed point: 0x04 | x | y.
  std::string point = "\x04" + *x + *y;
  jwk_bld builder{OSSL_PARAM_BLD_new()};
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return nullptr;
  return import_public("EC", builder);
}

std::shared_ptr<evp_pkey_st> ed25519_key(const boost::json::object& jwk) {
  const auto x = b64_member(jwk, "x");
  if (!x || x->size() != coordinate_bytes)
    return nullptr;
  jwk_bld builder{OSSL_PARAM_BLD_new()};
  if (!builder || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                   x->data(), x->size()) != 1)
    return nullptr;
  return import_public("ED25519", builder);
}

/// One entry as a key, or nullopt when it is to be skipped.
std::optional<verification_key> decode_key(const boost::json::value& entry) {
  if (!entry.is_object())
    return std::nullopt;
  const auto& jwk = entry.get_object();
  verification_key out;
  std::string kty, crv, use;
  if (!optional_string(jwk, "kty", kty) || !optional_string(jwk, "crv", crv) ||
      !optional_string(jwk, "use", use) || !optional_string(jwk, "kid", out.kid) ||
      !optional_string(jwk, "alg", out.alg))
    return std::nullopt;
  if (!use.empty() && use != "sig")
    return std::nullopt;
  if (const auto* ops = jwk.if_contains("key_ops"); ops != nullptr) {
    if (!ops->is_array())
      return std::nullopt;
    bool verify = false;
    for (const auto& op : ops->get_array())
      verify = verify || (op.is_string() && op.get_string() == "verify");
    if (!verify)
      return std::nullopt;
  }
  if (kty == "RSA") {
    out.kind = key_kind::rsa;
    out.pkey = rsa_key(jwk);
  } else if (kty == "EC" && crv == "P-256") {
    out.kind = key_kind::ec_p256;
    out.pkey = p256_key(jwk);
  } else if (kty == "OKP" && crv == "Ed25519") {
    out.kind = key_kind::ed25519;
    out.pkey = ed25519_key(jwk);
  }
  if (!out.pkey)
    return std::nullopt;
  return out;
}

} // namespace

std::variant<jwk_set, jwks_error> decode_jwks(std::string_view body) {
  if (body.size() > max_document_bytes)
    return jwks_error{"JWK Set too large"};
  auto parsed = parse_untrusted_json(body, {max_document_bytes, 16});
  if (std::holds_alternative<json_error>(parsed))
    return jwks_error{"JWK Set is not valid JSON"};
  const auto& value = std::get<boost::json::value>(parsed);
  const auto* keys = value.is_object() ? value.get_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array())
    return jwks_error{"JWK Set lacks a keys array"};
  if (keys->get_array().size() > max_jwks_keys)
    return jwks_error{"JWK Set has too many keys"};
  jwk_set out;
  for (const auto& entry : keys->get_array()) {
    if (auto key = decode_key(entry))
      out.keys.push_back(std::move(*key));
    else
      ++out.skipped;
  }
  return out;
}

} // namespace gh::oidc
