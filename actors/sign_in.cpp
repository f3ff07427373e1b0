#include "actors/sign_in.hpp"

#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"

namespace gh::sign_in {

new_session open_session(db::transaction& tx, const http_request& r, const std::string& user_id,
                         std::chrono::seconds ttl) {
  new_session s{crypto::random_uuid(), crypto::random_token(32)};
  tx.exec("INSERT INTO refresh_families (id, user_id, expires_at, ip, user_agent) "
          "VALUES ($1::uuid, $2::uuid, now() + make_interval(secs => $3::bigint), $4, $5)",
          {s.family_id, user_id, std::to_string(ttl.count()), r.remote_ip,
           replies::stored_header(r, "user-agent")});
  tx.exec("INSERT INTO refresh_tokens (token_hash, family_id) VALUES ($1, $2::uuid)",
          {crypto::sha256_hex(s.refresh_token), s.family_id});
  return s;
}

std::string access_token(const jwt::key_ring& keys, const std::string& user_id,
                         const std::string& tenant_id, const std::string& family, int64_t now,
                         int64_t ttl) {
  jwt::claims c;
  c.sub = user_id;
  c.tid = tenant_id;
  c.sid = family;
  c.jti = crypto::random_uuid();
  c.iat = now;
  c.exp = now + ttl;
  return keys.issue(c);
}

std::string cookie(const std::string& name, const std::string& value, int64_t max_age,
                   bool http_only, bool secure) {
  std::string c =
      name + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) + "; SameSite=Lax";
  if (http_only)
    c += "; HttpOnly";
  if (secure)
    c += "; Secure";
  return c;
}

replies::header_list session_cookies(const cookie_policy& p, const std::string& access,
                                     const new_session& s) {
  // Bound to the session: a CSRF token is worth nothing with another session's cookies.
  const auto csrf = csrf_token(p.csrf_key, s.family_id);
  return {{"Set-Cookie", cookie(p.names.access, access, p.access_ttl.count(), true, p.secure)},
          {"Set-Cookie",
           cookie(p.names.refresh, s.refresh_token, p.refresh_ttl.count(), true, p.secure)},
          {"Set-Cookie", cookie(p.names.csrf, csrf, p.refresh_ttl.count(), false, p.secure)}};
}

} // namespace gh::sign_in
