#include "providers/smtp/mailer.hpp"

#include "providers/loopback.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <string_view>
#include <system_error>

namespace gh::smtp {

namespace {

/// libcurl's global state, initialised once before the first handle.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct upload {
  const std::string* data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* closure) {
  auto* up = static_cast<upload*>(closure);
  const std::size_t room = size * count;
  const std::size_t n = std::min(room, up->data->size() - up->at);
  std::copy_n(up->data->data() + up->at, n, buffer);
  up->at += n;
  return n;
}

/// True when `url`'s host is this machine's loopback (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& url) {
  auto rest = std::string_view{url}.substr(url.find("://") + 3);
  if (const auto at = rest.rfind('@'); at != std::string_view::npos)
    rest.remove_prefix(at + 1);
  if (rest.starts_with("["))
    return is_loopback_host(rest.substr(0, rest.find(']') + 1));
  return is_loopback_host(rest.substr(0, rest.find_first_of(":/")));
}

class smtp_mailer final : public mailer {
public:
  smtp_mailer(config::secret url, std::chrono::seconds timeout)
      : url_(std::move(url)), timeout_(timeout), loopback_(is_loopback(url_.reveal())) {
    init_curl_once();
  }

  delivery_result send(const std::string& envelope_from, const std::string& to,
                       const std::string& /*file_key*/, const std::string& rfc5322) override {
    CURL* curl = curl_easy_init();
    if (curl == nullptr)
      return {delivery::temporary_failure, "cannot create a libcurl handle"};
    const std::string from = "<" + envelope_from + ">";
    const std::string rcpt = "<" + to + ">";
    curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
    upload up{&rfc5322};
    const auto& url = url_.reveal();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // smtps:// is TLS from the first byte; smtp:// must upgrade with STARTTLS, so credentials
    // and links never cross the network in clear. Only a relay on this machine's loopback may
    // speak plain SMTP.
    curl_easy_setopt(curl, CURLOPT_USE_SSL, loopback_ ? CURLUSESSL_TRY : CURLUSESSL_ALL);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rfc5322.size()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const CURLcode code = curl_easy_perform(curl);
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    if (code == CURLE_OK)
      return {delivery::sent, "accepted (" + std::to_string(reply) + ")"};
    // The URL may hold credentials: report only the code and the server's reply number.
    std::string detail = std::string{curl_easy_strerror(code)};
    if (reply != 0)
      detail += " (SMTP " + std::to_string(reply) + ")";
    // Only the server refusing this message or recipient is final; authentication, TLS and
    // configuration trouble is ours to fix, so the mail waits (and the log says why).
    const bool refused_message = reply >= 500 && reply < 600 && reply != 530 && reply != 534 &&
                                 reply != 535 && reply != 538 && code != CURLE_LOGIN_DENIED &&
                                 code != CURLE_USE_SSL_FAILED;
    return {refused_message ? delivery::permanent_failure : delivery::temporary_failure, detail};
  }

private:
  config::secret url_;
  std::chrono::seconds timeout_;
  bool loopback_;
};

class directory_mailer final : public mailer {
public:
  explicit directory_mailer(std::filesystem::path dir) : dir_(std::move(dir)) {}

  delivery_result send(const std::string& /*envelope_from*/, const std::string& /*to*/,
                       const std::string& file_key, const std::string& rfc5322) override {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec)
      return {delivery::temporary_failure, "cannot create " + dir_.string() + ": " + ec.message()};
    const auto path = dir_ / (file_key + ".eml");
    if (fs::exists(path, ec))
      return {delivery::sent, "already written"};
    // Written under a temporary name, then renamed: a reader never sees half a message.
    const auto partial = dir_ / (file_key + ".eml.partial");
    {
      std::ofstream out{partial, std::ios::binary | std::ios::trunc};
      out << rfc5322;
      out.flush();
      if (!out)
        return {delivery::temporary_failure, "cannot write " + partial.string()};
    }
    fs::rename(partial, path, ec);
    if (ec)
      return {delivery::temporary_failure, "cannot rename into " + path.string()};
    return {delivery::sent, "written to " + path.filename().string()};
  }

private:
  std::filesystem::path dir_;
};

} // namespace

std::unique_ptr<mailer> make_smtp_mailer(config::secret url, std::chrono::seconds timeout) {
  return std::make_unique<smtp_mailer>(std::move(url), timeout);
}

std::unique_ptr<mailer> make_directory_mailer(std::filesystem::path dir) {
  return std::make_unique<directory_mailer>(std::move(dir));
}

} // namespace gh::smtp
