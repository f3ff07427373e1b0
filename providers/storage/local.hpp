#pragma once

#include "providers/storage/storage.hpp"
#include "providers/storage/token.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

namespace gh::storage {

/// The HKDF info string of the local store's token key (its own, so no other key derived from
/// `GATEHOUSE_SECRETS_KEY` can sign a storage URL).
inline constexpr std::string_view token_key_info = "gatehouse storage tokens v1";

/// The embedded store: objects as files under `root` (`{root}/{tenant}/{user}/{file}`), sent and
/// fetched through Gatehouse's own `PUT/GET /storage/{token}` (the gateway's storage stream).
/// An upload is written to `{object}.part-{random}` and renamed into place when whole, so no
/// reader ever sees a partial object.
class local_store final : public store {
public:
  /// Objects under `root` (created if missing), URLs under `public_base`, tokens signed with
  /// `token_key`.
  local_store(std::filesystem::path root, std::string token_key, std::string public_base);

  std::string_view name() const noexcept override { return "local"; }
  upload_target upload_url(const object_ref& o, int64_t now, int64_t ttl) const override;
  std::string download_url(const object_ref& o, int64_t now, int64_t ttl) const override;
  object_info stat(const std::string& key) const override;
  object_digest sha256(const std::string& key) const override;
  outcome remove(const std::string& key) const override;

  /// Checks a token presented to `/storage/{token}` at `now`.
  std::variant<token_claims, token_error> check(std::string_view token, int64_t now) const {
    return decode_token(token, token_key_, now);
  }

  /// Where the object `key` lives (`key` must satisfy `is_object_key`).
  std::filesystem::path object_path(std::string_view key) const;

  /// A fresh temporary path beside the object `key`, for one upload.
  std::filesystem::path temp_path(std::string_view key) const;

  const std::filesystem::path& root() const noexcept { return root_; }

private:
  std::filesystem::path root_;
  std::string token_key_;
  std::string public_base_;
};

} // namespace gh::storage
