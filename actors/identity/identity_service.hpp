#pragma once

// The identity service behind the identity actor: one class whose flows live in one file each
// (register_login, sessions, passwords, two_factor, profile) beside the shared helpers in
// identity_service.cpp. Internal to the identity module.

#include "actors/identity/identity_actor.hpp"
#include "actors/identity/requests.hpp"
#include "actors/replies.hpp"
#include "actors/sign_in.hpp"
#include "actors/user_lifecycle.hpp"
#include "messages/event_envelope.hpp"
#include "persistence/sql.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gh::identity {

namespace json = boost::json;
using replies::header_list;
using replies::req_ptr;

inline constexpr std::string_view user_columns =
    "id::text, tenant_id::text, email, phone, name, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "mfa_enabled::text, status, password_hash, "
    // The provider identities linked to the user (federation), oldest first, as a JSON array.
    "(SELECT coalesce(json_agg(json_strip_nulls(json_build_object('provider', i.provider, "
    "'subject', i.subject, 'email', i.email, 'linked_at', "
    "to_char(i.linked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))) "
    "ORDER BY i.linked_at, i.provider), '[]') FROM user_identities i "
    "WHERE i.user_id = users.id)::text";

/// A row of `users` as `user_columns` selects it.
struct user_row {
  std::string id;
  std::string tenant_id;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> name;
  std::string created_at;
  bool mfa_enabled = false;
  std::string status;
  std::string password_hash;
  std::string identities = "[]"; ///< JSON array of `{provider, subject, email?, linked_at}`.

  static user_row from(const db::row& r) {
    return {db::text(r, 0),
            db::text(r, 1),
            r.at(2),
            r.at(3),
            r.at(4),
            db::text(r, 5),
            db::text(r, 6) == "true",
            db::text(r, 7),
            db::text(r, 8),
            db::text(r, 9, "[]")};
  }

  json::object to_json() const {
    json::object o;
    o["id"] = id;
    o["tenant_id"] = tenant_id;
    if (phone)
      o["phone"] = *phone;
    if (email)
      o["email"] = *email;
    if (name)
      o["name"] = *name;
    o["created_at"] = created_at;
    o["mfa_enabled"] = mfa_enabled;
    boost::system::error_code ec;
    auto linked = json::parse(identities, ec);
    o["identities"] = !ec && linked.is_array() ? std::move(linked) : json::array{};
    return o;
  }
};

using sign_in::cookie;
using sign_in::new_session;
using sign_in::open_session;

struct identity_state {
  identity_options opt;
  std::size_t next_hasher = 0;
  std::size_t hashing = 0;
  /// The profile reads in flight, by user and tenant, with every request waiting for each: one
  /// read answers them all (`do_me`).
  std::unordered_map<std::string, std::vector<req_ptr>> profile_reads;
};

using self_ptr = caf::stateful_actor<identity_state>*;

int64_t now_of(self_ptr self);

header_list clear_cookies(const identity_options& opt);

/// How this service's browser sessions get their cookies.
sign_in::cookie_policy cookie_policy_of(const identity_options& opt);

json::object user_event_data(const user_row& u);

/// A signed access token for `user` in session `family`, issued at `now` for `ttl` seconds.
std::string issue_access_token(const jwt::key_ring& keys, const user_row& user,
                               const std::string& family, int64_t now, int64_t ttl);

/// What a TOTP secret is sealed to: only this user's row opens it.
std::string totp_context(const std::string& user_id);

/// Checks `code` for `user_id` inside `tx` and uses it up: a TOTP code of a step later than the
/// last accepted one, or an unused recovery code. False when two-factor is off or the code fails.
bool consume_second_factor(db::transaction& tx, const std::string& user_id, const std::string& code,
                           std::string_view sealing_key, int64_t now);

/// The outcome of a change that needs a code: done, the code failed, or the state forbids it.
enum class code_outcome { done, wrong_code, conflict, gone };

class identity_service {
public:
  explicit identity_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in);

  void sync_revocations();

private:
  // --- helpers ------------------------------------------------------------------------------
  /// Counts a hit on `key` in a window of `window` seconds; `next(count, ttl)` on success.
  template <class Next>
  void count_hit(const req_ptr& r, const std::string& key, int64_t window, Next next) {
    static const std::string script{redis::count_hit_script};
    self_
        ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                  redis::command{"EVAL", script, "1", key, std::to_string(window)})
        .then(
            [r, next](const redis::reply& rep) mutable {
              if (rep.type != redis::reply::kind::array || rep.elements.size() != 2) {
                replies::failure(r, make_error(gh_errc::provider_unavailable));
                return;
              }
              next(rep.elements[0].integer, rep.elements[1].integer);
            },
            [r](const caf::error& err) { replies::failure(r, err); });
  }

  /// Refuses with 429 when `key` has been hit more than `limit` times this minute; else `next()`.
  template <class Next>
  void rate_limit(const req_ptr& r, const std::string& key, int64_t limit, Next next) {
    count_hit(r, key, opt_.limits.window.count(),
              [r, limit, next](int64_t count, int64_t ttl) mutable {
                if (count > limit) {
                  replies::problem(r, gh_errc::rate_limited, "too many requests; try again later",
                                   {{"Retry-After", std::to_string(std::max<int64_t>(ttl, 1))}});
                  return;
                }
                next();
              });
  }

  /// Runs argon2id work on the least recently used hashing worker, refusing when all are busy.
  template <class Result, class... Args, class Next>
  void on_hasher(const req_ptr& r, Next next, Args... args) {
    auto& st = self_->state;
    if (opt_.hashers.empty() || st.hashing >= opt_.hashers.size() * opt_.hash_queue_per_worker) {
      replies::problem(r, gh_errc::provider_unavailable, "too many sign-ins at once; try again",
                       {{"Retry-After", "1"}});
      return;
    }
    ++st.hashing;
    const auto& worker = opt_.hashers[st.next_hasher++ % opt_.hashers.size()];
    self_->request(worker, std::chrono::seconds{30}, std::move(args)...)
        .then(
            [this, next](Result& value) mutable {
              --self_->state.hashing;
              next(std::move(value));
            },
            [this, r](const caf::error& err) {
              --self_->state.hashing;
              replies::failure(r, err);
            });
  }

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  /// Revokes a session (and optionally one access token) here and, through Redis, everywhere.
  void revoke(const std::string& id, int64_t until);

  /// Answers with an access token (`access`, or a fresh one when empty) and the refresh token
  /// of `s` (or cookies) for `user`.
  void respond_tokens(const req_ptr& r, int status, const user_row& user, const new_session& s,
                      bool cookies, const std::string& access = {});

  static void validation_failed(const req_ptr& r, identity::field_errors errors);

  // --- register -----------------------------------------------------------------------------
  void do_register(const req_ptr& r);

  void create_account(const req_ptr& r, const std::shared_ptr<identity::register_request>& req,
                      std::string hash);

  // --- login --------------------------------------------------------------------------------
  void do_login(const req_ptr& r);

  void find_login_user(const req_ptr& r, const std::shared_ptr<identity::login_request>& req,
                       const std::string& fail_key);

  void login_failed(const req_ptr& r, const std::string& fail_key,
                    const std::optional<user_row>& user, std::string_view reason = "password");

  void login_succeeded(const req_ptr& r, const std::shared_ptr<identity::login_request>& req,
                       const std::string& fail_key, const user_row& user);

  void do_refresh(const req_ptr& r);

  void rotate(const req_ptr& r, const std::string& token, bool from_cookie);

  // --- status, logout -----------------------------------------------------------------------
  static std::function<std::optional<user_row>(db::transaction&)> load_user(const principal& who);

  void do_status(const req_ptr& r);

  void do_logout(const req_ptr& r);

  // --- password change ----------------------------------------------------------------------
  void do_password_change(const req_ptr& r);

  /// Checks the caller's `password` (limited per user, hashed off the io threads) and calls
  /// `next()` when it is right; a wrong one is a validation problem naming `field`.
  template <class Next>
  void check_password(const req_ptr& r, std::string password, std::string field, Next next) {
    rate_limit(
        r, "gh:rl:password:user:" + r->auth.user_id, opt_.limits.login_failures_per_identifier,
        [this, r, password = std::move(password), field = std::move(field), next] {
          query<std::optional<user_row>>(
              r, load_user(r->auth),
              [this, r, password, field, next](std::optional<user_row> user) {
                if (!user) {
                  replies::problem(r, gh_errc::unauthorized, "the account is not active", {});
                  return;
                }
                on_hasher<bool>(
                    r,
                    [r, field, next](bool ok) mutable {
                      if (!ok) {
                        r->reply->fail(gh_errc::validation, "the password is wrong",
                                       {{field, "is wrong"}});
                        return;
                      }
                      next();
                    },
                    verify_atom_v, user->password_hash, password);
              });
        });
  }

  void store_password(const req_ptr& r, std::string hash);

  /// Revokes each session in `families` until every access token issued for it has expired.
  void revoke_all(const std::vector<std::string>& families);

  // --- sessions -----------------------------------------------------------------------------
  void do_sessions(const req_ptr& r);

  void do_revoke_session(const req_ptr& r);

  // --- profile ------------------------------------------------------------------------------
  void do_me(const req_ptr& r);

  void do_patch_me(const req_ptr& r);

  // --- forgotten password -------------------------------------------------------------------
  void do_password_forgot(const req_ptr& r);

  void send_reset_link(const req_ptr& r, const std::string& email);

  void do_password_reset(const req_ptr& r);

  static void reset_link_dead(const req_ptr& r);

  void finish_reset(const req_ptr& r, const std::string& token_hash, std::string hash);

  void do_totp_setup(const req_ptr& r);

  void start_totp_setup(const req_ptr& r);

  /// Decodes `{code}` and runs `next(code)` within the per-user limit of TOTP attempts.
  template <class Next>
  void with_totp_code(const req_ptr& r, Next next);

  /// Answers a code-guarded change that did not happen.
  static void code_refused(const req_ptr& r, code_outcome result, std::string_view conflict);

  void do_totp_enable(const req_ptr& r);

  void do_totp_disable(const req_ptr& r);

  // --- account deletion ---------------------------------------------------------------------
  void do_delete_me(const req_ptr& r);

  void delete_account(const req_ptr& r);

  self_ptr self_;
  identity_options& opt_;
};

/// The identity actor's behaviour: serves the routes and syncs revocations every second.
caf::behavior identity_impl(caf::stateful_actor<identity_state>* self, identity_options options);

} // namespace gh::identity
