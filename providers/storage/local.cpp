#include "providers/storage/local.hpp"

#include "crypto/crypto.hpp"
#include "providers/storage/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace gh::storage {

namespace fs = std::filesystem;

local_store::local_store(fs::path root, std::string token_key, std::string public_base)
    : root_(std::move(root)), token_key_(std::move(token_key)),
      public_base_(std::move(public_base)) {
  fs::create_directories(root_);
}

upload_target local_store::upload_url(const object_ref& o, int64_t now, int64_t ttl) const {
  const auto token =
      encode_token({"PUT", o.key, o.size, o.content_type, {}, now + ttl}, token_key_);
  return {public_base_ + "/storage/" + token, "PUT", {{"Content-Type", o.content_type}}};
}

std::string local_store::download_url(const object_ref& o, int64_t now, int64_t ttl) const {
  return public_base_ + "/storage/" +
         encode_token({"GET", o.key, o.size, o.content_type, o.filename, now + ttl}, token_key_);
}

fs::path local_store::object_path(std::string_view key) const {
  return root_ / fs::path{std::string{key}};
}

fs::path local_store::temp_path(std::string_view key) const {
  auto p = object_path(key);
  p += ".part-" + crypto::to_hex(crypto::random_bytes(8));
  return p;
}

object_info local_store::stat(const std::string& key) const {
  if (!is_object_key(key))
    return {outcome::missing, 0, {}};
  std::error_code ec;
  const auto size = fs::file_size(object_path(key), ec);
  if (ec == std::errc::no_such_file_or_directory)
    return {outcome::missing, 0, {}};
  if (ec)
    return {outcome::unavailable, 0, "cannot read the object: " + ec.message()};
  return {outcome::ok, static_cast<int64_t>(size), {}};
}

object_digest local_store::sha256(const std::string& key) const {
  if (!is_object_key(key))
    return {outcome::missing, {}, 0, {}};
  const auto path = object_path(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT
               ? object_digest{outcome::missing, {}, 0, {}}
               : object_digest{outcome::unavailable, {}, 0, std::string{"cannot open the object"}};
  sha256_stream hash;
  std::array<char, std::size_t{64} * 1024> chunk{};
  int64_t size = 0;
  for (;;) {
    const auto n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ::close(fd);
      return {outcome::unavailable, {}, 0, "cannot read the object"};
    }
    if (n == 0)
      break;
    hash.update({chunk.data(), static_cast<std::size_t>(n)});
    size += n;
  }
  ::close(fd);
  return {outcome::ok, hash.hex(), size, {}};
}

outcome local_store::remove(const std::string& key) const {
  if (!is_object_key(key))
    return outcome::ok;
  const auto path = object_path(key);
  std::error_code ec;
  fs::remove(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return outcome::unavailable;
  // Partial uploads a crash left behind (a live one is removed by its own stream).
  const auto prefix = path.filename().string() + ".part-";
  fs::directory_iterator it{path.parent_path(), ec};
  if (ec)
    return ec == std::errc::no_such_file_or_directory ? outcome::ok : outcome::unavailable;
  for (const auto& entry : it)
    if (entry.path().filename().string().starts_with(prefix))
      fs::remove(entry.path(), ec);
  return outcome::ok;
}

} // namespace gh::storage
