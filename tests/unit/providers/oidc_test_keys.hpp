#pragma once

// Keys made in the test with OpenSSL, their public JWKs, and tokens signed with them: the
// provider side of the OIDC tests.

#include "crypto/crypto.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace gh::oidc::testing {

/// A private key of one of the kinds a provider signs with.
class test_key {
public:
  static test_key rsa(int bits = 2048) {
    return test_key{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))};
  }
  static test_key p256() { return test_key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")}; }
  static test_key ed25519() { return test_key{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")}; }

  EVP_PKEY* get() const { return key_.get(); }

  /// The public JWK with `kid` (and `alg` when not empty).
  boost::json::object jwk(const std::string& kid, const std::string& alg = {}) const {
    boost::json::object out;
    if (!kid.empty())
      out["kid"] = kid;
    if (!alg.empty())
      out["alg"] = alg;
    const int id = EVP_PKEY_get_base_id(get());
    if (id == EVP_PKEY_RSA) {
      out["kty"] = "RSA";
      out["n"] = crypto::base64url_encode(bn(OSSL_PKEY_PARAM_RSA_N));
      out["e"] = crypto::base64url_encode(bn(OSSL_PKEY_PARAM_RSA_E));
    } else if (id == EVP_PKEY_EC) {
      out["kty"] = "EC";
      out["crv"] = "P-256";
      out["x"] = crypto::base64url_encode(bn(OSSL_PKEY_PARAM_EC_PUB_X, 32));
      out["y"] = crypto::base64url_encode(bn(OSSL_PKEY_PARAM_EC_PUB_Y, 32));
    } else {
      out["kty"] = "OKP";
      out["crv"] = "Ed25519";
      std::string raw(32, '\0');
      size_t len = raw.size();
      EVP_PKEY_get_raw_public_key(get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
      out["x"] = crypto::base64url_encode(raw);
    }
    return out;
  }

  /// The RSA modulus and exponent bytes, big-endian, padded to `pad` bytes when given.
  std::string bn(const char* name, int pad = 0) const {
    BIGNUM* value = nullptr;
    if (EVP_PKEY_get_bn_param(get(), name, &value) != 1)
      throw std::runtime_error("no such key parameter");
    std::string out(static_cast<size_t>(pad > 0 ? pad : BN_num_bytes(value)), '\0');
    BN_bn2binpad(value, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(value);
    return out;
  }

  /// The JWS signature of `input` under `alg` (ES256 as JOSE's raw `r || s`).
  std::string sign(const std::string& alg, const std::string& input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(ctx.get(), &pctx, alg == "EdDSA" ? nullptr : EVP_sha256(), nullptr, get());
    if (alg == "PS256") {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size());
    std::string sig(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size, data,
                       input.size()) != 1)
      throw std::runtime_error("signing failed");
    sig.resize(size);
    if (alg != "ES256")
      return sig;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(parsed);
    return raw;
  }

private:
  explicit test_key(EVP_PKEY* key) : key_(key, EVP_PKEY_free) {
    if (key == nullptr)
      throw std::runtime_error("key generation failed");
  }
  std::shared_ptr<EVP_PKEY> key_;
};

/// `{"keys":[...]}` of `jwks`.
inline std::string jwks_of(std::initializer_list<boost::json::object> jwks) {
  boost::json::array keys;
  for (const auto& k : jwks)
    keys.push_back(k);
  return boost::json::serialize(boost::json::object{{"keys", keys}});
}

/// A compact JWS over `header` and `payload` signed by `key` with `alg`.
inline std::string sign_token(const test_key& key, const std::string& alg,
                              const boost::json::object& header,
                              const boost::json::object& payload) {
  const auto input = crypto::base64url_encode(boost::json::serialize(header)) + "." +
                     crypto::base64url_encode(boost::json::serialize(payload));
  return input + "." + crypto::base64url_encode(key.sign(alg, input));
}

} // namespace gh::oidc::testing
