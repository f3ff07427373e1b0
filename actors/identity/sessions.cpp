#include "actors/identity/identity_service.hpp"

#include "actors/audit.hpp"
#include "actors/cookies.hpp"
#include "actors/identity/requests.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/array.hpp>

// Sessions: refresh-token rotation with reuse detection, status, logout, listing and revocation.

namespace gh::identity {

namespace {

// --- refresh ------------------------------------------------------------------------------
enum class refresh_result { ok, invalid, reused };

struct refresh_outcome {
  refresh_result result = refresh_result::invalid;
  std::optional<user_row> user;
  new_session session;
  std::string access_token;
};

/// What the pair sealed in a rotated token's row is bound to: that row alone opens it.
std::string successor_context(const std::string& token_hash) {
  return "refresh successor:" + token_hash;
}

} // namespace

void identity_service::do_refresh(const req_ptr& r) {
  auto decoded = identity::decode_refresh(r->body);
  if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
    validation_failed(r, std::move(*errors));
    return;
  }
  auto token = std::get<std::string>(std::move(decoded));
  bool from_cookie = false;
  if (token.empty()) {
    const auto* cookies = r->header("cookie");
    token = std::string{cookie_value(cookies != nullptr ? *cookies : "", opt_.cookies.refresh)};
    from_cookie = true;
  }
  if (token.empty() || token.size() > 256) {
    replies::problem(r, gh_errc::unauthorized, "a refresh token is required", {});
    return;
  }
  rate_limit(r, "gh:rl:refresh:ip:" + r->remote_ip, opt_.limits.refreshes_per_ip,
             [this, r, token, from_cookie] { rotate(r, token, from_cookie); });
}

void identity_service::rotate(const req_ptr& r, const std::string& token, bool from_cookie) {
  const auto hash = crypto::sha256_hex(token);
  const auto now = now_of(self_);
  const auto ttl = opt_.access_ttl.count();
  query<refresh_outcome>(
      r,
      [r, hash, now, ttl, keys = opt_.keys, key = opt_.refresh_sealing_key,
       grace_ms = std::to_string(opt_.refresh_grace.count())](db::transaction& tx) {
        refresh_outcome out;
        // Column 6: spent within the grace window, and what replaced it is still unspent.
        auto rows = tx.exec(
            "SELECT t.family_id::text, (t.used_at IS NOT NULL)::text, "
            "(f.revoked_at IS NOT NULL OR f.expires_at < now())::text, f.user_id::text, "
            "u.tenant_id::text, u.status, "
            "(t.used_at > now() - $2::bigint * interval '1 millisecond' AND s.used_at IS NULL "
            "AND t.successor_sealed IS NOT NULL)::text, t.successor_sealed "
            "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id "
            "JOIN users u ON u.id = f.user_id "
            "LEFT JOIN refresh_tokens s ON s.token_hash = t.successor_hash "
            "WHERE t.token_hash = $1 FOR UPDATE OF t, f",
            {hash, grace_ms});
        if (rows.empty())
          return out;
        const auto& row = rows.front();
        const auto family = db::text(row, 0);
        const auto user_id = db::text(row, 3);
        const auto tenant = db::text(row, 4);
        const bool live = db::text(row, 2) != "true" && db::text(row, 5) == "active";
        const auto load_user = [&tx, &user_id]() -> std::optional<user_row> {
          auto users = tx.exec(
              "SELECT " + std::string{user_columns} + " FROM users WHERE id = $1::uuid", {user_id});
          if (users.empty())
            return std::nullopt;
          return user_row::from(users.front());
        };
        if (db::text(row, 1) == "true" && db::text(row, 6) == "true") {
          // A parallel refresh (another tab) just lost the race: it gets the pair the winner
          // got, and the family lives on.
          const auto pair = crypto::open(key, db::text(row, 7), successor_context(hash));
          const auto cut = pair ? pair->find('\n') : std::string::npos;
          if (!live || cut == std::string::npos)
            return out;
          out.access_token = pair->substr(0, cut);
          out.session = {family, pair->substr(cut + 1)};
          out.user = load_user();
          if (out.user) {
            out.result = refresh_result::ok;
            audit::write(tx, *r, tenant, user_id, "refresh.repeated", family);
          }
          return out;
        }
        if (db::text(row, 1) == "true") {
          // A spent token came back after the grace window: someone holds a copy. End the
          // whole family.
          tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = 'reuse' "
                  "WHERE id = $1::uuid AND revoked_at IS NULL",
                  {family});
          audit::write(tx, *r, tenant, user_id, "refresh.reused", family);
          out.result = refresh_result::reused;
          out.session.family_id = family;
          return out;
        }
        if (!live)
          return out;
        out.user = load_user();
        if (!out.user)
          return out;
        out.session = {family, crypto::random_token(32)};
        out.access_token = issue_access_token(*keys, *out.user, family, now, ttl);
        const auto successor = crypto::sha256_hex(out.session.refresh_token);
        // Only the token just spent keeps a sealed pair; earlier ones of the family let it go.
        tx.exec("UPDATE refresh_tokens SET successor_sealed = NULL WHERE family_id = $1::uuid "
                "AND successor_sealed IS NOT NULL",
                {family});
        tx.exec("UPDATE refresh_tokens SET used_at = now(), successor_hash = $2, "
                "successor_sealed = $3 WHERE token_hash = $1",
                {hash, successor,
                 crypto::seal(key, out.access_token + "\n" + out.session.refresh_token,
                              successor_context(hash))});
        tx.exec("INSERT INTO refresh_tokens (token_hash, family_id) VALUES ($1, $2::uuid)",
                {successor, family});
        tx.exec("UPDATE refresh_families SET last_used_at = now() WHERE id = $1::uuid", {family});
        out.result = refresh_result::ok;
        return out;
      },
      [this, r, from_cookie](refresh_outcome out) {
        if (out.result == refresh_result::reused)
          revoke(out.session.family_id, now_of(self_) + opt_.access_ttl.count());
        if (out.result != refresh_result::ok) {
          replies::problem(r, gh_errc::unauthorized, "the refresh token is not valid",
                           from_cookie ? clear_cookies(opt_) : header_list{});
          return;
        }
        respond_tokens(r, 200, *out.user, out.session, from_cookie, out.access_token);
      });
}

void identity_service::do_status(const req_ptr& r) {
  if (!r->auth.is_user()) {
    replies::json(r, 200, json::object{{"authenticated", false}});
    return;
  }
  query<std::optional<user_row>>(r, load_user(r->auth), [r](std::optional<user_row> user) {
    json::object body;
    body["authenticated"] = user.has_value();
    if (user)
      body["user"] = user->to_json();
    replies::json(r, 200, body);
  });
}

void identity_service::do_logout(const req_ptr& r) {
  const auto who = r->auth;
  query<bool>(
      r,
      [r, who](db::transaction& tx) {
        tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = 'logout' "
                "WHERE id = $1::uuid AND user_id = $2::uuid AND revoked_at IS NULL",
                {who.session_id, who.user_id});
        audit::write(tx, *r, who.tenant_id, who.user_id, "logout", who.session_id);
        return true;
      },
      [this, r, who](bool) {
        revoke(who.token_id, who.expires_at);
        revoke(who.session_id, now_of(self_) + opt_.access_ttl.count());
        replies::empty(r, who.via_cookie ? clear_cookies(opt_) : header_list{});
      });
}

void identity_service::do_sessions(const req_ptr& r) {
  const auto who = r->auth;
  query<db::rows>(
      r,
      [who](db::transaction& tx) {
        return tx.exec("SELECT id::text, to_char(created_at AT TIME ZONE 'UTC', "
                       "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                       "to_char(last_used_at AT TIME ZONE 'UTC', "
                       "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ip, user_agent "
                       "FROM refresh_families WHERE user_id = $1::uuid AND revoked_at IS NULL "
                       "AND expires_at > now() ORDER BY created_at",
                       {who.user_id});
      },
      [r, who](const db::rows& rows) {
        json::array list;
        for (const auto& row : rows) {
          json::object s;
          s["id"] = db::text(row, 0);
          s["created_at"] = db::text(row, 1);
          s["last_used_at"] = db::text(row, 2);
          s["ip"] = db::text(row, 3);
          s["user_agent"] = db::text(row, 4);
          s["current"] = db::text(row, 0) == who.session_id;
          list.push_back(std::move(s));
        }
        replies::json(r, 200, list);
      });
}

void identity_service::do_revoke_session(const req_ptr& r) {
  const std::string id{r->param("id")};
  if (!is_uuid(id)) {
    r->reply->fail(gh_errc::not_found, "no such session");
    return;
  }
  const auto who = r->auth;
  query<bool>(
      r,
      [r, who, id](db::transaction& tx) {
        auto rows =
            tx.exec("UPDATE refresh_families SET revoked_at = now(), revoked_reason = 'revoked' "
                    "WHERE id = $1::uuid AND user_id = $2::uuid AND revoked_at IS NULL "
                    "RETURNING id",
                    {id, who.user_id});
        if (rows.empty())
          return false;
        audit::write(tx, *r, who.tenant_id, who.user_id, "session.revoked", id);
        return true;
      },
      [this, r, id](bool found) {
        if (!found) {
          r->reply->fail(gh_errc::not_found, "no such session");
          return;
        }
        revoke(id, now_of(self_) + opt_.access_ttl.count());
        replies::empty(r);
      });
}

} // namespace gh::identity
