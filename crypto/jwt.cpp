#include "crypto/jwt.hpp"

#include "crypto/crypto.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gh::jwt {

namespace json = boost::json;

namespace {

EVP_PKEY* as_pkey(const std::shared_ptr<void>& p) {
  return static_cast<EVP_PKEY*>(p.get());
}

const json::string* string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

std::optional<int64_t> integer_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return std::nullopt;
  if (const auto* i = v->if_int64())
    return *i;
  if (const auto* u = v->if_uint64(); u != nullptr && *u <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(*u);
  return std::nullopt;
}

std::optional<json::object> decode_object(std::string_view segment) {
  auto bytes = crypto::base64url_decode(segment);
  if (!bytes)
    return std::nullopt;
  auto parsed = parse_untrusted_json(*bytes, json_limits{max_token_bytes, 8});
  auto* value = std::get_if<json::value>(&parsed);
  if (value == nullptr || !value->is_object())
    return std::nullopt;
  return std::move(value->as_object());
}

} // namespace

void signing_key::pkey_deleter::operator()(void* p) const noexcept {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(p));
}

signing_key::signing_key(void* pkey) : pkey_(pkey, pkey_deleter{}) {
  auto* key = as_pkey(pkey_);
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
    throw std::runtime_error("not an Ed25519 key");
  std::size_t len = 32;
  public_raw_.resize(len);
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(public_raw_.data()),
                                  &len) != 1 ||
      len != 32)
    throw std::runtime_error("cannot read the public key");
  // RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order.
  const auto thumbprint_input =
      R"({"crv":"Ed25519","kty":"OKP","x":")" + crypto::base64url_encode(public_raw_) + "\"}";
  kid_ = crypto::base64url_encode(crypto::sha256(thumbprint_input));
}

signing_key signing_key::load_pem_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read JWT signing key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return from_pem(text.str(), path);
}

signing_key signing_key::from_pem(std::string_view pem, std::string_view origin) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key == nullptr)
    throw std::runtime_error(std::string{origin} + " holds no PEM private key");
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    throw std::runtime_error(std::string{origin} + " is not an Ed25519 private key");
  }
  return signing_key{key};
}

signing_key signing_key::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr)
    throw std::runtime_error("cannot generate an Ed25519 key");
  return signing_key{key};
}

std::string signing_key::private_pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), &BIO_free};
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), as_pkey(pkey_), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1)
    throw std::runtime_error("cannot write the key as PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(n)};
}

std::string signing_key::sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, as_pkey(pkey_)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw std::runtime_error("Ed25519 signing failed");
  sig.resize(len);
  return sig;
}

bool signing_key::verify(std::string_view data, std::string_view signature) const {
  if (signature.size() != 64)
    return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, as_pkey(pkey_)) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

key_ring::key_ring(std::vector<signing_key> keys, std::string issuer, std::string audience,
                   std::chrono::seconds leeway)
    : keys_(std::move(keys)), issuer_(std::move(issuer)), audience_(std::move(audience)),
      leeway_(leeway.count()) {
  if (keys_.empty())
    throw std::invalid_argument("a key ring needs at least one key");
}

std::string key_ring::issue(claims c) const {
  return issue_for(std::move(c), audience_, "JWT");
}

std::string key_ring::issue_for(claims c, std::string_view audience, std::string_view typ) const {
  const auto& key = keys_.back();
  json::object header;
  header["alg"] = "EdDSA";
  header["typ"] = typ;
  header["kid"] = key.kid();
  json::object payload;
  payload["iss"] = issuer_;
  payload["sub"] = c.sub;
  payload["aud"] = audience;
  payload["exp"] = c.exp;
  payload["nbf"] = c.nbf != 0 ? c.nbf : c.iat;
  payload["iat"] = c.iat;
  payload["jti"] = c.jti;
  payload["tid"] = c.tid;
  payload["sid"] = c.sid;
  auto signing_input = crypto::base64url_encode(json::serialize(header)) + "." +
                       crypto::base64url_encode(json::serialize(payload));
  const auto sig = key.sign(signing_input);
  return signing_input + "." + crypto::base64url_encode(sig);
}

std::variant<claims, verify_error> key_ring::verify(std::string_view token, int64_t now) const {
  if (token.empty() || token.size() > max_token_bytes)
    return verify_error{"the token is empty or too long"};
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return verify_error{"the token is not a compact JWS"};

  auto header = decode_object(token.substr(0, dot1));
  if (!header)
    return verify_error{"the token header is malformed"};
  const auto* alg = string_member(*header, "alg");
  if (alg == nullptr || *alg != "EdDSA")
    return verify_error{"the token algorithm is not accepted"};
  if (header->contains("crit"))
    return verify_error{"the token has critical header parameters"};
  if (const auto* typ = string_member(*header, "typ"); typ != nullptr && *typ != "JWT")
    return verify_error{"the token is not an access token"};
  const auto* kid = string_member(*header, "kid");
  if (kid == nullptr)
    return verify_error{"the token has no key id"};
  const signing_key* key = nullptr;
  for (const auto& k : keys_)
    if (crypto::constant_time_equal(k.kid(), *kid))
      key = &k;
  if (key == nullptr)
    return verify_error{"the token key id is unknown"};

  auto signature = crypto::base64url_decode(token.substr(dot2 + 1));
  if (!signature || !key->verify(token.substr(0, dot2), *signature))
    return verify_error{"the token signature is invalid"};

  auto payload = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload)
    return verify_error{"the token payload is malformed"};
  claims c;
  const auto* iss = string_member(*payload, "iss");
  const auto* aud = string_member(*payload, "aud");
  const auto* sub = string_member(*payload, "sub");
  const auto* jti = string_member(*payload, "jti");
  const auto* tid = string_member(*payload, "tid");
  const auto* sid = string_member(*payload, "sid");
  const auto exp = integer_member(*payload, "exp");
  const auto iat = integer_member(*payload, "iat");
  const auto nbf = integer_member(*payload, "nbf");
  if (iss == nullptr || *iss != issuer_)
    return verify_error{"the token issuer is wrong"};
  if (aud == nullptr || *aud != audience_)
    return verify_error{"the token audience is wrong"};
  if (sub == nullptr || sub->empty() || jti == nullptr || jti->empty() || tid == nullptr ||
      sid == nullptr || !exp || !iat)
    return verify_error{"the token lacks required claims"};
  if (*exp + leeway_ <= now)
    return verify_error{"the token has expired"};
  if (*iat - leeway_ > now || (nbf && *nbf - leeway_ > now))
    return verify_error{"the token is not valid yet"};
  c.iss = *iss;
  c.aud = *aud;
  c.sub = *sub;
  c.jti = *jti;
  c.tid = *tid;
  c.sid = *sid;
  c.exp = *exp;
  c.iat = *iat;
  c.nbf = nbf.value_or(*iat);
  return c;
}

std::string key_ring::jwks_json() const {
  json::array keys;
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    json::object k;
    k["kty"] = "OKP";
    k["crv"] = "Ed25519";
    k["x"] = crypto::base64url_encode(it->public_raw());
    k["kid"] = it->kid();
    k["alg"] = "EdDSA";
    k["use"] = "sig";
    keys.push_back(std::move(k));
  }
  json::object out;
  out["keys"] = std::move(keys);
  return json::serialize(out);
}

std::vector<signing_key> load_signing_keys(const std::vector<std::string>& files,
                                           const std::string& generated_dir) {
  std::vector<signing_key> keys;
  for (const auto& f : files)
    keys.push_back(signing_key::load_pem_file(f));
  if (!keys.empty() || generated_dir.empty())
    return keys;
  namespace fs = std::filesystem;
  fs::create_directories(generated_dir);
  fs::permissions(generated_dir, fs::perms::owner_all, fs::perm_options::replace);
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator{generated_dir})
    if (entry.is_regular_file() && entry.path().extension() == ".pem")
      found.push_back(entry.path().string());
  std::sort(found.begin(), found.end());
  if (found.empty()) {
    const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const auto path =
        (fs::path{generated_dir} / ("jwt-" + std::to_string(stamp) + ".pem")).string();
    const auto key = signing_key::generate();
    {
      std::ofstream out{path, std::ios::binary | std::ios::trunc};
      if (!out)
        throw std::runtime_error("cannot write the generated JWT key " + path);
      fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write,
                      fs::perm_options::replace);
      out << key.private_pem();
    }
    found.push_back(path);
  }
  for (const auto& f : found)
    keys.push_back(signing_key::load_pem_file(f));
  return keys;
}

verified_cache::shard& verified_cache::pick(std::string_view token) const {
  return shards_[std::hash<std::string_view>{}(token) % shards];
}

std::optional<claims> verified_cache::find(std::string_view token, int64_t now) const {
  auto& s = pick(token);
  std::lock_guard lock{s.mutex};
  auto it = s.entries.find(std::string{token});
  if (it == s.entries.end())
    return std::nullopt;
  if (it->second.exp <= now) {
    s.entries.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void verified_cache::put(std::string_view token, const claims& c) {
  auto& s = pick(token);
  std::lock_guard lock{s.mutex};
  if (s.entries.size() >= capacity_ / shards)
    s.entries.clear();
  s.entries.emplace(std::string{token}, c);
}

} // namespace gh::jwt
