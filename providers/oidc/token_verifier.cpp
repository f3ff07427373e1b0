#include "providers/oidc/token_verifier.hpp"

#include "crypto/crypto.hpp"
#include "messages/json.hpp"
#include "providers/oidc/json_members.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace gh::oidc {

namespace {

constexpr std::size_t max_sub_bytes = 255; // OIDC Core 2: `sub` at most 255 ASCII characters

struct jws_md_ctx_free {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct jws_ecdsa_free {
  void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};

jws_error jws_fail(jws_failure failure, std::string reason) {
  return jws_error{failure, std::move(reason)};
}

/// The key kind an allow-listed algorithm needs; nullopt for anything else.
std::optional<key_kind> kind_for(std::string_view alg) {
  if (alg == "RS256" || alg == "PS256")
    return key_kind::rsa;
  if (alg == "ES256")
    return key_kind::ec_p256;
  if (alg == "EdDSA")
    return key_kind::ed25519;
  return std::nullopt;
}

/// JOSE's fixed-size `r || s` as the DER `ECDSA-Sig-Value` OpenSSL verifies; empty when the
/// signature is not 64 bytes.
std::string es256_to_der(std::string_view raw) {
  if (raw.size() != 64)
    return {};
  std::unique_ptr<ECDSA_SIG, jws_ecdsa_free> sig{ECDSA_SIG_new()};
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0)
    return {};
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != size)
    return {};
  return der;
}

bool signature_checks(std::string_view alg, const verification_key& key, std::string_view input,
                      std::string_view signature) {
  std::string der;
  if (alg == "ES256") {
    der = es256_to_der(signature);
    if (der.empty())
      return false;
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, jws_md_ctx_free> ctx{EVP_MD_CTX_new()};
  if (!ctx)
    return false;
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = alg == "EdDSA" ? nullptr : EVP_sha256();
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.pkey.get()) != 1)
    return false;
  if (alg == "PS256") {
    // RFC 7518 3.5: MGF1 with SHA-256, salt as long as the digest.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
      return false;
  } else if (alg == "RS256") {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
      return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

/// A base64url part decoded and parsed as a JSON object.
std::optional<boost::json::object> json_part(std::string_view part) {
  const auto bytes = crypto::base64url_decode(part);
  if (!bytes)
    return std::nullopt;
  auto parsed = parse_untrusted_json(*bytes, {max_provider_token_bytes, 16});
  if (std::holds_alternative<json_error>(parsed))
    return std::nullopt;
  auto& value = std::get<boost::json::value>(parsed);
  if (!value.is_object())
    return std::nullopt;
  return std::move(value.get_object());
}

/// A NumericDate (RFC 7519 2): an integer or a finite number, floored; nullopt otherwise.
std::optional<int64_t> numeric_date(const boost::json::object& claims, std::string_view key) {
  const auto* v = claims.if_contains(key);
  if (v == nullptr)
    return std::nullopt;
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double()) && std::abs(v->get_double()) < 9.0e15)
    return static_cast<int64_t>(std::floor(v->get_double()));
  return std::nullopt;
}

/// `aud` as a list: a string is a list of one; nullopt when absent or of another shape.
std::optional<std::vector<std::string_view>> audiences(const boost::json::object& claims) {
  const auto* v = claims.if_contains("aud");
  if (v == nullptr)
    return std::nullopt;
  std::vector<std::string_view> out;
  if (v->is_string()) {
    out.emplace_back(v->get_string());
    return out;
  }
  if (!v->is_array())
    return std::nullopt;
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

bool has_audience(const std::vector<std::string_view>& list, std::string_view client_id) {
  return std::find(list.begin(), list.end(), client_id) != list.end();
}

/// `at+jwt` with or without the `application/` prefix, in any case (RFC 9068 2.1, RFC 7515 4.1.9).
bool is_access_token_type(std::string_view typ) {
  std::string lower{typ};
  for (auto& c : lower)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower == "at+jwt" || lower == "application/at+jwt";
}

/// The checks every provider token shares: `iss`, `sub`, `exp`, `iat`, `nbf`; the profile claims
/// into `out`. Empty on success, else the reason.
std::string common_claims(const boost::json::object& claims, const token_expectations& expect,
                          provider_claims& out) {
  std::string iss;
  if (!optional_string(claims, "iss", iss) || iss.empty())
    return "token lacks iss";
  if (iss != expect.issuer)
    return "token iss does not match the provider";
  if (!optional_string(claims, "sub", out.sub) || out.sub.empty() || out.sub.size() > max_sub_bytes)
    return "token sub is missing or malformed";
  const auto leeway = static_cast<int64_t>(expect.leeway.count());
  const auto exp = numeric_date(claims, "exp");
  if (!exp)
    return "token lacks exp";
  if (*exp <= expect.now - leeway)
    return "token expired";
  out.exp = *exp;
  const auto iat = numeric_date(claims, "iat");
  if (!iat)
    return "token lacks iat";
  if (*iat > expect.now + leeway)
    return "token iat is in the future";
  if (claims.contains("nbf")) {
    const auto nbf = numeric_date(claims, "nbf");
    if (!nbf || *nbf > expect.now + leeway)
      return "token not yet valid";
  }
  if (!optional_string(claims, "email", out.email) || !optional_string(claims, "name", out.name) ||
      !optional_string(claims, "phone_number", out.phone_number))
    return "token has a profile claim of the wrong type";
  if (const auto* v = claims.if_contains("email_verified"); v != nullptr)
    out.email_verified =
        (v->is_bool() && v->get_bool()) || (v->is_string() && v->get_string() == "true");
  return {};
}

} // namespace

std::variant<verified_jws, jws_error> verify_jws(std::string_view token, const jwk_set& keys) {
  if (token.size() > max_provider_token_bytes)
    return jws_fail(jws_failure::malformed, "token too large");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return jws_fail(jws_failure::malformed, "token is not a compact JWS");
  const auto header = json_part(token.substr(0, first));
  if (!header)
    return jws_fail(jws_failure::malformed, "token header is malformed");

  verified_jws out;
  if (!optional_string(*header, "alg", out.alg) || !optional_string(*header, "kid", out.kid) ||
      !optional_string(*header, "typ", out.typ))
    return jws_fail(jws_failure::malformed, "token header is malformed");
  const auto kind = kind_for(out.alg);
  if (!kind)
    return jws_fail(jws_failure::unsupported_alg, "token algorithm not accepted");
  if (header->contains("crit"))
    return jws_fail(jws_failure::malformed, "token has critical header parameters");
  const auto signature = crypto::base64url_decode(token.substr(second + 1));
  if (!signature || signature->empty())
    return jws_fail(jws_failure::malformed, "token signature is malformed");

  // The keys that may check this token.
  std::vector<const verification_key*> candidates;
  bool kid_known = false;
  for (const auto& key : keys.keys) {
    if (!out.kid.empty() && key.kid != out.kid)
      continue;
    kid_known = true;
    if (key.kind == *kind && (key.alg.empty() || key.alg == out.alg))
      candidates.push_back(&key);
  }
  if (!out.kid.empty() && !kid_known)
    return jws_fail(jws_failure::unknown_kid, "token key id is unknown");
  if (candidates.empty() || (out.kid.empty() && candidates.size() != 1))
    return jws_fail(jws_failure::no_key, "no key fits the token");

  const auto input = token.substr(0, second);
  bool valid = false;
  for (const auto* key : candidates)
    valid = valid || signature_checks(out.alg, *key, input, *signature);
  if (!valid)
    return jws_fail(jws_failure::bad_signature, "token signature does not verify");
  auto payload = json_part(token.substr(first + 1, second - first - 1));
  if (!payload)
    return jws_fail(jws_failure::malformed, "token payload is malformed");
  out.payload = std::move(*payload);
  return out;
}

std::variant<provider_claims, claims_error> check_id_token(const verified_jws& token,
                                                           const token_expectations& expect) {
  if (is_access_token_type(token.typ))
    return claims_error{"an access token is not an ID token"};
  const auto& claims = token.payload;
  provider_claims out;
  if (auto failed = common_claims(claims, expect, out); !failed.empty())
    return claims_error{std::move(failed)};
  const auto aud = audiences(claims);
  if (!aud || !has_audience(*aud, expect.client_id))
    return claims_error{"token aud does not contain the client id"};
  std::string azp;
  if (!optional_string(claims, "azp", azp))
    return claims_error{"token azp is malformed"};
  if (claims.contains("azp") ? azp != expect.client_id : aud->size() > 1)
    return claims_error{"token azp is not the client id"};
  std::string token_use;
  if (!optional_string(claims, "token_use", token_use) ||
      (claims.contains("token_use") && token_use != "id"))
    return claims_error{"token_use is not id"};
  if (expect.nonce) {
    std::string nonce;
    if (!optional_string(claims, "nonce", nonce) || nonce.empty() ||
        !crypto::constant_time_equal(nonce, *expect.nonce))
      return claims_error{"token nonce does not match"};
  }
  return out;
}

std::variant<provider_claims, claims_error> check_access_token(const verified_jws& token,
                                                               const token_expectations& expect) {
  const auto& claims = token.payload;
  provider_claims out;
  if (auto failed = common_claims(claims, expect, out); !failed.empty())
    return claims_error{std::move(failed)};
  if (is_access_token_type(token.typ)) {
    // RFC 9068.
    const auto aud = audiences(claims);
    if (!aud || !has_audience(*aud, expect.client_id))
      return claims_error{"token aud does not contain the client id"};
    return out;
  }
  // Cognito: no typ, no aud, `token_use` and `client_id` instead.
  std::string token_use;
  std::string client_id;
  if (!optional_string(claims, "token_use", token_use) || token_use != "access")
    return claims_error{"token is not an access token"};
  if (!optional_string(claims, "client_id", client_id) || client_id != expect.client_id)
    return claims_error{"token client_id is not the client id"};
  return out;
}

} // namespace gh::oidc
