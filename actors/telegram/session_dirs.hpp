#pragma once

#include <optional>
#include <string>

namespace gh::telegram {

/// The directories TDLib keeps a session's files in: one fresh 0700 directory per session under
/// a base directory of this process (on tmpfs when the machine has /dev/shm), wiped when the
/// session ends and, at start and at shutdown, whatever is left under the base.
class session_dirs {
public:
  /// Under `base`: `TELEGRAM_SESSION_DIR`, or `default_base(data_dir)`.
  explicit session_dirs(std::string base) : base_(std::move(base)) {}

  /// `/dev/shm/gatehouse-telegram-<hash of the data dir>` when /dev/shm is a directory, else
  /// `<data dir>/telegram`: one base per Gatehouse data dir, so two processes never share one.
  static std::string default_base(const std::string& data_dir);

  const std::string& base() const noexcept { return base_; }

  /// Creates the base (0700, ours, not a link) and wipes what an earlier run left in it; false
  /// (with `problem`) when it cannot be used.
  bool prepare(std::string& problem);

  /// A fresh 0700 directory for one session, or nothing.
  std::optional<std::string> make() const;

  /// Removes a session's directory and everything in it; only paths directly under the base.
  void wipe(const std::string& dir) const;

  /// Removes everything under the base.
  void wipe_all() const;

private:
  std::string base_;
};

} // namespace gh::telegram
