#include "actors/external_tokens.hpp"

#include "crypto/crypto.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace gh {

void external_tokens::accept_issuer(std::string issuer) {
  issuers_.push_back(std::move(issuer));
}

bool external_tokens::is_external(std::string_view token) const {
  if (issuers_.empty() || token.size() > 16 * 1024)
    return false;
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos)
    return false;
  auto payload = crypto::base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload)
    return false;
  boost::system::error_code ec;
  auto claims = boost::json::parse(*payload, ec);
  if (ec || !claims.is_object())
    return false;
  const auto* iss = claims.get_object().if_contains("iss");
  if (iss == nullptr || !iss->is_string())
    return false;
  const std::string_view issuer = iss->get_string();
  return std::find(issuers_.begin(), issuers_.end(), issuer) != issuers_.end();
}

std::optional<principal> external_tokens::find(std::string_view token, int64_t now) const {
  const auto key = crypto::sha256(token);
  std::lock_guard lock{mutex_};
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.until <= now || it->second.who.expires_at <= now)
    return std::nullopt;
  return it->second.who;
}

void external_tokens::put(std::string_view token, const principal& who, int64_t now) {
  const auto key = crypto::sha256(token);
  std::lock_guard lock{mutex_};
  if (entries_.size() >= capacity_)
    entries_.clear();
  entries_[key] = {who, now + recheck_seconds};
}

} // namespace gh
