#include "providers/storage/storage.hpp"

#include "crypto/crypto.hpp"
#include "providers/storage/digest.hpp"
#include "providers/storage/local.hpp"
#include "providers/storage/s3.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace gh::storage {

struct sha256_stream::impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~impl() { EVP_MD_CTX_free(ctx); }
  impl() = default;
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
};

sha256_stream::sha256_stream() : impl_(std::make_unique<impl>()) {
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is unavailable");
}

sha256_stream::~sha256_stream() = default;

void sha256_stream::update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string sha256_stream::hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &n);
  return crypto::to_hex({reinterpret_cast<const char*>(out), n});
}

std::shared_ptr<store> store_of(const config::settings& s, std::string_view secrets_key,
                                const std::string& public_base) {
  if (s.storage_backend == "s3") {
    s3_options o;
    o.endpoint = s.s3_endpoint;
    o.bucket = s.s3_bucket;
    o.path_style = s.s3_force_path_style;
    o.keys = {s.s3_access_key_id, s.s3_secret_access_key.reveal(), s.s3_region, "s3"};
    return std::make_shared<s3_store>(std::move(o));
  }
  return std::make_shared<local_store>(std::filesystem::path{s.data_dir} / "storage",
                                       crypto::hkdf_sha256(secrets_key, token_key_info, 32),
                                       public_base);
}

} // namespace gh::storage
