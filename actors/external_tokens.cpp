#include "actors/external_tokens.hpp"

#include "crypto/crypto.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace gh {

void external_tokens::accept_issuer(std::string issuer) {
  issuers_.push_back(std::move(issuer));
}

std::optional<std::string> unverified_issuer(std::string_view token) {
  if (token.size() > max_external_token_bytes)
    return std::nullopt;
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos)
    return std::nullopt;
  auto payload = crypto::base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload)
    return std::nullopt;
  boost::system::error_code ec;
  auto claims = boost::json::parse(*payload, ec);
  if (ec || !claims.is_object())
    return std::nullopt;
  const auto* iss = claims.get_object().if_contains("iss");
  if (iss == nullptr || !iss->is_string())
    return std::nullopt;
  return std::string{iss->get_string()};
}

bool external_tokens::is_external(std::string_view token) const {
  if (issuers_.empty())
    return false;
  const auto issuer = unverified_issuer(token);
  return issuer && std::find(issuers_.begin(), issuers_.end(), *issuer) != issuers_.end();
}

std::optional<principal> external_tokens::find(std::string_view token, int64_t now) const {
  auto& sh = shard_of(token);
  std::lock_guard lock{sh.mutex};
  auto it = sh.entries.find(token);
  if (it == sh.entries.end() || it->second.who.expires_at <= now)
    return std::nullopt;
  if (!it->second.window.serves(clock::now(), grace))
    return std::nullopt; // expired, or this request settles it while the others keep the answer
  return it->second.who;
}

void external_tokens::put(std::string_view token, const principal& who) {
  auto& sh = shard_of(token);
  std::lock_guard lock{sh.mutex};
  if (sh.entries.size() >= per_shard_)
    sh.entries.clear();
  auto& e = sh.entries.try_emplace(std::string{token}).first->second;
  e.who = who;
  e.window.renew(clock::now() + recheck);
}

void external_tokens::forget(std::string_view token) {
  auto& sh = shard_of(token);
  std::lock_guard lock{sh.mutex};
  if (auto it = sh.entries.find(token); it != sh.entries.end())
    sh.entries.erase(it);
}

} // namespace gh
