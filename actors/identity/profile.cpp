#include "actors/identity/identity_service.hpp"

#include "actors/audit.hpp"
#include "actors/identity/requests.hpp"
#include "actors/outbox.hpp"
#include "actors/user_lifecycle.hpp"
#include "crypto/crypto.hpp"

#include <boost/json/serialize.hpp>

// The caller's profile (read, cached briefly; changed) and account deletion.

namespace gh::identity {

void identity_service::do_me(const req_ptr& r) {
  if (auto body = opt_.profiles->find(r->auth.user_id, std::chrono::steady_clock::now())) {
    r->reply->respond({200, "application/json", std::move(*body), {}});
    return;
  }
  // Requests for a profile that is being read wait for that read, so a burst of them on an
  // expired entry costs one query, not one each.
  auto key = r->auth.user_id + '\n' + r->auth.tenant_id;
  auto& waiting = self_->state.profile_reads[key];
  waiting.push_back(r);
  if (waiting.size() > 1)
    return;
  // A change made while the query runs (a PATCH, here or in another actor) must not be
  // overwritten by what the query read before it.
  const auto ticket = opt_.profiles->read_ticket(r->auth.user_id);
  opt_.db->query<std::optional<user_row>>(
      self_, opt_.db_timeout, load_user(r->auth),
      [this, key = std::move(key), ticket](caf::expected<std::optional<user_row>> user) {
        auto node = self_->state.profile_reads.extract(key);
        std::string body;
        if (user && *user) {
          body = json::serialize((*user)->to_json());
          opt_.profiles->put_read((*user)->id, body,
                                  std::chrono::steady_clock::now() + profile_cache_ttl, ticket);
        }
        for (const auto& w : node.mapped()) {
          if (!user)
            replies::failure(w, user.error());
          else if (!*user)
            w->reply->fail(gh_errc::not_found, "no such user");
          else
            w->reply->respond({200, "application/json", body, {}});
        }
      });
}

void identity_service::do_patch_me(const req_ptr& r) {
  auto decoded = identity::decode_profile_patch(r->body);
  if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
    validation_failed(r, std::move(*errors));
    return;
  }
  const auto patch = std::get<identity::profile_patch>(std::move(decoded));
  const auto who = r->auth;
  opt_.profiles->erase(who.user_id);
  query<std::optional<user_row>>(
      r,
      [r, who, patch](db::transaction& tx) -> std::optional<user_row> {
        db::rows rows;
        if (patch.set_name)
          rows = tx.exec("UPDATE users SET name = $3, updated_at = now() WHERE id = $1::uuid "
                         "AND tenant_id = $2::uuid AND status = 'active' RETURNING " +
                             std::string{user_columns},
                         {who.user_id, who.tenant_id, patch.name});
        else
          rows = tx.exec("SELECT " + std::string{user_columns} +
                             " FROM users WHERE id = $1::uuid AND tenant_id = $2::uuid AND "
                             "status = 'active'",
                         {who.user_id, who.tenant_id});
        if (rows.empty())
          return std::nullopt;
        auto user = user_row::from(rows.front());
        if (patch.set_name) {
          events::write(tx, "user.updated", user.tenant_id, user_event_data(user));
          audit::write(tx, *r, user.tenant_id, user.id, "profile.updated", user.id);
        }
        return user;
      },
      [this, r](std::optional<user_row> user) {
        if (!user) {
          r->reply->fail(gh_errc::not_found, "no such user");
          return;
        }
        // The new profile replaces anything a concurrent read put in the cache.
        auto body = json::serialize(user->to_json());
        opt_.profiles->put(user->id, body, std::chrono::steady_clock::now() + profile_cache_ttl);
        r->reply->respond({200, "application/json", std::move(body), {}});
      });
}

void identity_service::do_delete_me(const req_ptr& r) {
  auto decoded = identity::decode_account_deletion(r->body);
  if (auto* errors = std::get_if<identity::field_errors>(&decoded)) {
    validation_failed(r, std::move(*errors));
    return;
  }
  check_password(r, std::get<std::string>(std::move(decoded)), "password",
                 [this, r] { delete_account(r); });
}

void identity_service::delete_account(const req_ptr& r) {
  const auto who = r->auth;
  query<std::optional<std::vector<std::string>>>(
      r,
      [r, who](db::transaction& tx) -> std::optional<std::vector<std::string>> {
        // Sessions, tokens, recovery codes and reset links go with the row (ON DELETE
        // CASCADE); the audit log keeps only the id.
        auto ended = delete_user(tx, who.user_id, who.tenant_id);
        if (!ended)
          return std::nullopt;
        audit::write(tx, *r, who.tenant_id, who.user_id, "user.deleted", who.user_id);
        return ended;
      },
      [this, r, who](const std::optional<std::vector<std::string>>& ended) {
        opt_.profiles->erase(who.user_id);
        if (!ended) {
          r->reply->fail(gh_errc::not_found, "no such user");
          return;
        }
        revoke_all(*ended);
        revoke(who.session_id, now_of(self_) + opt_.access_ttl.count());
        replies::empty(r, who.via_cookie ? clear_cookies(opt_) : header_list{});
      });
}

} // namespace gh::identity
