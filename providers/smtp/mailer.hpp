#pragma once

#include "config/secret.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace gh::smtp {

/// How a delivery attempt ended.
enum class delivery {
  sent,
  temporary_failure, ///< Worth retrying later: connection trouble, timeouts, 4xx replies.
  permanent_failure, ///< Retrying cannot help: 5xx replies, refused recipients, bad input.
};

struct delivery_result {
  delivery outcome = delivery::sent;
  std::string detail; ///< Why, for the delivery record; never holds credentials.
};

/// Hands a composed message to its next hop. Blocking; call from a thread that may block.
class mailer {
public:
  virtual ~mailer() = default;

  /// Delivers `rfc5322` from `envelope_from` to `to`. `file_key` is a file-name-safe key unique
  /// per message (used by the directory mailer).
  virtual delivery_result send(const std::string& envelope_from, const std::string& to,
                               const std::string& file_key, const std::string& rfc5322) = 0;
};

/// Delivers through `url` with libcurl, certificates verified: `smtps://` with implicit TLS,
/// `smtp://` upgraded with STARTTLS (required, except towards a loopback relay); `user:pass@`
/// for AUTH. Only a 5xx refusal of the message is permanent; authentication and TLS failures
/// are temporary, since fixing the configuration lets the mail through.
std::unique_ptr<mailer> make_smtp_mailer(config::secret url, std::chrono::seconds timeout);

/// Writes each message as `<file_key>.eml` under `dir` (the development default when no
/// `SMTP_URL` is set); a key already written is not written again.
std::unique_ptr<mailer> make_directory_mailer(std::filesystem::path dir);

} // namespace gh::smtp
