#include "actors/federation/federation_service.hpp"

#include "actors/cookies.hpp"
#include "actors/federation/accounts.hpp"
#include "actors/federation/login_state.hpp"
#include "actors/federation/provider_calls.hpp"
#include "actors/replies.hpp"
#include "crypto/crypto.hpp"
#include "messages/type_ids.hpp"
#include "providers/oidc/flow.hpp"
#include "providers/oidc/provider_keys.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <ctime>
#include <functional>
#include <variant>

namespace gh::federation {

/// A blocking provider call, run on one of the service's detached callers.
struct oidc_job {
  std::function<void()> run;
  /// When the service stops waiting; a job still queued then is dropped, not run late.
  std::chrono::steady_clock::time_point deadline;
};

} // namespace gh::federation

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::federation::oidc_job)

namespace gh::federation {

namespace {

using caller_actor = caf::typed_actor<caf::replies_to<exec_atom, oidc_job>::with<bool>>;
using replies::req_ptr;

/// `index` only numbers the callers: CAF 0.17 binds a reference to a null tuple when an actor
/// is spawned without arguments (UBSan stops the process there).
caller_actor::behavior_type oidc_caller_impl(caller_actor::pointer /*self*/, unsigned /*index*/) {
  return {
      [](exec_atom, oidc_job& j) {
        if (std::chrono::steady_clock::now() > j.deadline)
          return false;
        try {
          j.run();
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
  };
}

struct federation_state {
  federation_options opt;
  std::vector<caller_actor> callers;
  std::size_t next = 0;
};

using fed_self = caf::stateful_actor<federation_state>*;

const provider_entry* find_provider(const federation_options& opt, std::string_view name) {
  for (const auto& p : opt.providers)
    if (p.name == name)
      return &p;
  return nullptr;
}

/// Runs `fn() -> T` on a caller, then `done(T)` in the service's context; a caller that does
/// not answer in time answers 503 `provider-unavailable` to `r`.
template <class T, class Fn, class Done, class Late>
void off_thread_then(fed_self self, Fn fn, Done done, Late late) {
  auto& st = self->state;
  const auto target = st.callers[st.next++ % st.callers.size()];
  auto out = std::make_shared<std::optional<T>>();
  oidc_job job{[out, fn = std::move(fn)]() mutable { out->emplace(fn()); },
               std::chrono::steady_clock::now() + st.opt.provider_timeout};
  self->request(target, st.opt.provider_timeout + std::chrono::seconds{1}, exec_atom_v,
                std::move(job))
      .then(
          [out, done, late](bool ran) mutable {
            if (!ran || !out->has_value()) {
              late();
              return;
            }
            done(std::move(**out));
          },
          [late](const caf::error&) { late(); });
}

/// Runs `fn() -> T` on a caller, then `done(T)` in the service's context; a caller that does
/// not answer in time answers 503 `provider-unavailable` to `r`.
template <class T, class Fn, class Done>
void off_thread(fed_self self, const req_ptr& r, Fn fn, Done done) {
  off_thread_then<T>(self, std::move(fn), std::move(done), [r] {
    r->reply->fail(gh_errc::provider_unavailable, "the identity provider did not answer in time");
  });
}

std::string binding_cookie_header(const federation_options& opt, const std::string& value,
                                  int64_t max_age) {
  std::string c = std::string{binding_cookie} + "=" + value +
                  "; Path=/api/v1/auth/oidc; Max-Age=" + std::to_string(max_age) +
                  "; HttpOnly; SameSite=Lax";
  if (opt.cookies.secure)
    c += "; Secure";
  return c;
}

void bad_callback(const req_ptr& r, const char* field, std::string message) {
  r->reply->fail(gh_errc::validation, "the sign-in could not be completed",
                 {{field, std::move(message)}});
}

class federation_service {
public:
  explicit federation_service(fed_self self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    if (r->route == "/api/v1/auth/oidc/{provider}/login")
      login(r);
    else if (r->route == "/api/v1/auth/oidc/{provider}/callback")
      callback(r);
    else if (r->route == "/api/v1/users/me/identities/{provider}")
      unlink(r);
    else
      r->reply->fail(gh_errc::not_found, "no such federation route");
  }

  /// Settles who a provider's bearer token is, then hands `in` on to `target` (API.md
  /// "Federation", provider tokens accepted as bearer).
  void resolve(http_request& in, const http_handler_actor& target) {
    auto r = std::make_shared<http_request>(std::move(in));
    const auto* header = r->header("authorization");
    std::string token = header != nullptr && header->size() > 7 ? header->substr(7) : "";
    settle(r, token,
           [this, r, target](std::optional<principal> who, gh_errc error, std::string detail) {
             if (!who) {
               r->reply->fail(error, std::move(detail));
               return;
             }
             r->auth = std::move(*who);
             self_->send(target, std::move(*r));
           });
  }

  /// Settles a token for the proxy's data path (no handler behind it).
  void resolve(token_query& q) {
    auto r = std::make_shared<http_request>();
    r->request_id = std::move(q.request_id);
    r->remote_ip = std::move(q.remote_ip);
    settle(r, std::move(q.token), std::move(q.done));
  }

private:
  using settled = std::function<void(std::optional<principal>, gh_errc, std::string)>;

  /// Who `token` is: its signature and claims checked off this thread, then its identity found
  /// or made (the rules of a sign-in) in PostgreSQL; remembered for the gateway. `r` is the
  /// request it came with, for the audit row of a user made just in time.
  void settle(const req_ptr& r, std::string token, settled answer) {
    while (!token.empty() && token.front() == ' ')
      token.erase(0, 1);
    while (!token.empty() && token.back() == ' ')
      token.pop_back();
    // A token refused now is forgotten by the gateway at once, not when its entry runs out.
    settled done = [external = opt_.external, token, answer = std::move(answer)](
                       std::optional<principal> who, gh_errc error, std::string detail) {
      if (!who && error == gh_errc::unauthorized && external != nullptr)
        external->forget(token);
      answer(std::move(who), error, std::move(detail));
    };
    const auto* p = provider_of_token(opt_, token);
    if (p == nullptr) {
      done(std::nullopt, gh_errc::unauthorized, "the bearer token is not valid");
      return;
    }
    off_thread_then<token_check>(
        self_, [p, token] { return check_token(*p, token); },
        [this, r, p, token, done](token_check checked) {
          if (!checked.who) {
            done(std::nullopt,
                 checked.unavailable ? gh_errc::provider_unavailable : gh_errc::unauthorized,
                 checked.reason);
            return;
          }
          const auto who = *checked.who;
          opt_.db->query<resolution>(
              self_, opt_.db_timeout,
              [r, who, trust = p->trust_email, tenant = opt_.default_tenant](db::transaction& tx) {
                return resolve_sign_in(tx, *r, who, trust, tenant, true);
              },
              [this, token, done, exp = checked.exp](caf::expected<resolution> res) {
                if (!res) {
                  done(std::nullopt, gh_errc::provider_unavailable,
                       "the account cannot be looked up now; try again shortly");
                  return;
                }
                if (res->result == outcome::disabled || res->result == outcome::conflict) {
                  done(std::nullopt, gh_errc::unauthorized,
                       res->result == outcome::disabled ? "this account is disabled" : res->detail);
                  return;
                }
                principal caller;
                caller.type = principal::kind::user;
                caller.user_id = res->user_id;
                caller.tenant_id = res->tenant_id;
                caller.expires_at = exp;
                if (opt_.external != nullptr)
                  opt_.external->put(token, caller);
                done(std::move(caller), gh_errc::ok, {});
              });
        },
        [done] {
          done(std::nullopt, gh_errc::provider_unavailable,
               "the identity provider did not answer in time");
        });
  }

  void forget_profile(const std::string& user_id) const {
    if (opt_.profiles != nullptr)
      opt_.profiles->erase(user_id);
  }

  std::string redirect_uri(const provider_entry& p) const {
    return opt_.public_base + "/api/v1/auth/oidc/" + p.name + "/callback";
  }

  const provider_entry* provider_of(const req_ptr& r) const {
    const auto* p = find_provider(opt_, r->param("provider"));
    if (p == nullptr)
      r->reply->fail(gh_errc::not_found, "no identity provider of that name is configured");
    return p;
  }

  void login(const req_ptr& r) {
    const auto* p = provider_of(r);
    if (p == nullptr)
      return;
    auto decoded = decode_login_query(r->query, opt_.redirect_origins);
    if (auto* errors = std::get_if<decode::field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the login request is invalid", std::move(*errors));
      return;
    }
    const auto q = std::get<login_query>(decoded);
    if (q.link && !r->auth.is_user()) {
      r->reply->fail(gh_errc::unauthorized, "linking a provider needs a signed-in user");
      return;
    }
    auto keys = p->keys;
    off_thread<std::variant<oidc::provider_metadata, oidc::keys_error>>(
        self_, r, [keys] { return keys->metadata(); },
        [this, r, p, q](std::variant<oidc::provider_metadata, oidc::keys_error> meta) {
          if (std::holds_alternative<oidc::keys_error>(meta)) {
            r->reply->fail(gh_errc::provider_unavailable,
                           "the identity provider cannot be reached; try again shortly");
            return;
          }
          start_login(r, *p, q, std::get<oidc::provider_metadata>(meta));
        });
  }

  void start_login(const req_ptr& r, const provider_entry& p, const login_query& q,
                   const oidc::provider_metadata& meta) {
    const auto state = crypto::random_token(32);
    const auto binding = crypto::random_token(32);
    login_record rec;
    rec.provider = p.name;
    rec.nonce = crypto::random_token(32);
    rec.code_verifier = oidc::make_code_verifier();
    rec.redirect = q.redirect;
    rec.binding_hash = crypto::sha256_hex(binding);
    if (q.link) {
      rec.link_user = r->auth.user_id;
      rec.link_tenant = r->auth.tenant_id;
    }
    oidc::authorization_request ask;
    ask.authorization_endpoint = meta.authorization_endpoint;
    ask.client_id = p.keys->options().client_id;
    ask.redirect_uri = redirect_uri(p);
    ask.scope = p.scopes;
    ask.state = state;
    ask.nonce = rec.nonce;
    ask.code_challenge = oidc::s256_challenge(rec.code_verifier);
    auto location = oidc::authorization_url(ask);
    auto cookie = binding_cookie_header(opt_, binding, login_ttl_seconds);
    self_
        ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                  redis::command{"SET", record_key(state), encode_record(rec), "EX",
                                 std::to_string(login_ttl_seconds), "NX"})
        .then(
            [r, location, cookie](const redis::reply& rep) {
              if (rep.type != redis::reply::kind::status) {
                r->reply->fail(gh_errc::provider_unavailable, "the sign-in could not be started");
                return;
              }
              r->reply->respond({302,
                                 "",
                                 "",
                                 {{"Location", location},
                                  {"Set-Cookie", cookie},
                                  {"Cache-Control", "no-store"}}});
            },
            [r](const caf::error& err) { replies::failure(r, err); });
  }

  void callback(const req_ptr& r) {
    const auto* p = provider_of(r);
    if (p == nullptr)
      return;
    auto decoded = decode_callback_query(r->query);
    if (auto* errors = std::get_if<decode::field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the sign-in could not be completed", std::move(*errors));
      return;
    }
    const auto q = std::get<callback_query>(decoded);
    const auto* cookies = r->header("cookie");
    const auto binding =
        std::string{cookie_value(cookies ? *cookies : std::string{}, binding_cookie)};
    if (binding.empty()) {
      bad_callback(r, "state", "this sign-in was not started in this browser");
      return;
    }
    // Single use: the record is taken whatever happens next.
    self_
        ->request(opt_.redis, std::chrono::seconds{2}, exec_atom_v,
                  redis::command{"GETDEL", record_key(q.state)})
        .then(
            [this, r, p, q, binding](const redis::reply& rep) {
              auto rec =
                  rep.type == redis::reply::kind::string ? decode_record(rep.str) : std::nullopt;
              if (!rec) {
                bad_callback(r, "state", "unknown, expired or already used");
                return;
              }
              if (!crypto::constant_time_equal(rec->binding_hash, crypto::sha256_hex(binding))) {
                bad_callback(r, "state", "this sign-in was not started in this browser");
                return;
              }
              // The state was issued for another provider: an authorization response sent to
              // the wrong callback (RFC 9700's mix-up).
              if (rec->provider != p->name) {
                bad_callback(r, "state", "was issued for another provider");
                return;
              }
              if (q.iss && *q.iss != p->keys->options().issuer) {
                bad_callback(r, "code", "comes from another issuer");
                return;
              }
              if (!q.error.empty()) {
                bad_callback(r, "code", "the provider refused the sign-in (" + q.error + ")");
                return;
              }
              finish(r, *p, q, std::move(*rec));
            },
            [r](const caf::error& err) { replies::failure(r, err); });
  }

  void finish(const req_ptr& r, const provider_entry& p, const callback_query& q,
              login_record rec) {
    off_thread<exchange_result>(
        self_, r, [&p, uri = redirect_uri(p), q, rec] { return exchange(p, uri, q, rec); },
        [this, r, &p, rec](exchange_result done) {
          if (!done.who) {
            if (done.error == gh_errc::provider_unavailable)
              r->reply->fail(done.error, done.message);
            else
              bad_callback(r, done.field, done.message);
            return;
          }
          if (!rec.link_user.empty())
            complete_link(r, *done.who, rec);
          else
            complete_sign_in(r, p, *done.who, rec);
        });
  }

  void complete_sign_in(const req_ptr& r, const provider_entry& p, const provider_identity& who,
                        const login_record& rec) {
    struct signed_in {
      resolution res;
      std::optional<sign_in::new_session> session;
    };
    const auto ttl = opt_.cookies.refresh_ttl;
    replies::query<signed_in>(
        self_, *opt_.db, opt_.db_timeout, r,
        [r, who, trust = p.trust_email, tenant = opt_.default_tenant, ttl](db::transaction& tx) {
          signed_in out{resolve_sign_in(tx, *r, who, trust, tenant), std::nullopt};
          if (out.res.result == outcome::signed_in || out.res.result == outcome::created ||
              out.res.result == outcome::linked)
            out.session = sign_in::open_session(tx, *r, out.res.user_id, ttl);
          return out;
        },
        [this, r, rec](signed_in done) {
          if (!done.session) {
            r->reply->fail(done.res.result == outcome::disabled ? gh_errc::forbidden
                                                                : gh_errc::conflict,
                           done.res.detail);
            return;
          }
          forget_profile(done.res.user_id);
          const auto now = static_cast<int64_t>(std::time(nullptr));
          const auto access =
              sign_in::access_token(*opt_.keys, done.res.user_id, done.res.tenant_id,
                                    done.session->family_id, now, opt_.cookies.access_ttl.count());
          auto headers = sign_in::session_cookies(opt_.cookies, access, *done.session);
          headers.emplace_back("Set-Cookie", binding_cookie_header(opt_, "", 0));
          headers.emplace_back("Location", rec.redirect);
          headers.emplace_back("Cache-Control", "no-store");
          r->reply->respond({302, "", "", std::move(headers)});
        });
  }

  void complete_link(const req_ptr& r, const provider_identity& who, const login_record& rec) {
    replies::query<resolution>(
        self_, *opt_.db, opt_.db_timeout, r,
        [r, who, rec](db::transaction& tx) {
          return link_identity(tx, *r, who, rec.link_user, rec.link_tenant);
        },
        [this, r, rec](const resolution& done) {
          if (done.result != outcome::linked) {
            r->reply->fail(gh_errc::conflict, done.detail);
            return;
          }
          forget_profile(done.user_id);
          r->reply->respond({302,
                             "",
                             "",
                             {{"Location", rec.redirect},
                              {"Set-Cookie", binding_cookie_header(opt_, "", 0)},
                              {"Cache-Control", "no-store"}}});
        });
  }

  void unlink(const req_ptr& r) {
    if (!r->auth.is_user()) {
      r->reply->fail(gh_errc::unauthorized, "a valid access token is required");
      return;
    }
    const std::string provider{r->param("provider")};
    const auto who = r->auth;
    replies::query<unlink_outcome>(
        self_, *opt_.db, opt_.db_timeout, r,
        [r, who, provider](db::transaction& tx) {
          return unlink_identity(tx, *r, who.user_id, who.tenant_id, provider);
        },
        [this, r, who](unlink_outcome done) {
          forget_profile(who.user_id);
          if (done == unlink_outcome::done)
            replies::empty(r);
          else if (done == unlink_outcome::not_found)
            r->reply->fail(gh_errc::not_found, "no identity of that provider is linked");
          else
            r->reply->fail(gh_errc::conflict,
                           "this identity is the account's last way to sign in; set a password "
                           "or link another provider first");
        });
  }

  fed_self self_;
  const federation_options& opt_;
};

caf::behavior federation_impl(fed_self self, federation_options options) {
  self->state.opt = std::move(options);
  for (unsigned i = 0; i < std::max(1U, self->state.opt.callers); ++i) {
    auto caller = self->spawn<caf::detached + caf::linked>(oidc_caller_impl, i);
    self->state.callers.push_back(caller);
  }
  auto service = std::make_shared<federation_service>(self);
  return {
      [service](http_request& req) { service->handle(req); },
      [service](forward_atom, http_request& req, http_handler_actor& target) {
        service->resolve(req, target);
      },
      [service](forward_atom, token_query& q) { service->resolve(q); },
  };
}

} // namespace

http_handler_actor spawn_federation(caf::actor_system& sys, federation_options options) {
  return caf::actor_cast<http_handler_actor>(sys.spawn(federation_impl, std::move(options)));
}

const std::vector<federation_route>& routes() {
  static const std::vector<federation_route> all{
      {"GET", "/api/v1/auth/oidc/{provider}/login", body_kind::none, auth_policy::optional},
      {"GET", "/api/v1/auth/oidc/{provider}/callback", body_kind::none, auth_policy::none},
      {"DELETE", "/api/v1/users/me/identities/{provider}", body_kind::none, auth_policy::user},
  };
  return all;
}

} // namespace gh::federation
