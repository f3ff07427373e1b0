#include "actors/telegram/session_dirs.hpp"

#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace gh::telegram {

namespace fs = std::filesystem;

std::string session_dirs::default_base(const std::string& data_dir) {
  std::error_code ec;
  auto absolute = fs::weakly_canonical(fs::absolute(data_dir, ec), ec).string();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  ::SHA256(reinterpret_cast<const unsigned char*>(absolute.data()), absolute.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string tag;
  for (int i = 0; i < 8; ++i) {
    tag += hex[digest[i] >> 4];
    tag += hex[digest[i] & 0xF];
  }
  if (fs::is_directory("/dev/shm", ec))
    return "/dev/shm/gatehouse-telegram-" + tag;
  return (fs::path{data_dir} / "telegram").string();
}

bool session_dirs::prepare(std::string& problem) {
  std::error_code ec;
  fs::create_directories(base_, ec);
  struct stat st {};
  if (::lstat(base_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    problem = "the Telegram session directory " + base_ + " is not a directory of ours";
    return false;
  }
  if (::chmod(base_.c_str(), 0700) != 0) {
    problem = "cannot make " + base_ + " private (0700)";
    return false;
  }
  wipe_all();
  return true;
}

std::optional<std::string> session_dirs::make() const {
  std::string pattern = base_ + "/s-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    return std::nullopt;
  return pattern;
}

void session_dirs::wipe(const std::string& dir) const {
  if (dir.empty() || fs::path{dir}.parent_path() != fs::path{base_})
    return;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void session_dirs::wipe_all() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator{base_, ec})
    fs::remove_all(entry.path(), ec);
}

} // namespace gh::telegram
