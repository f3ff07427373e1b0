#include "actors/api_keys.hpp"

#include "actors/app.hpp"
#include "crypto/crypto.hpp"

#include <algorithm>

namespace gh::api_keys {

namespace {

/// Runs the Lua `script` on `args` (one key, then arguments) in Redis; `next(count, ttl)` with
/// the two integers it returns.
void counter(caf::event_based_actor* self, const redis::redis_actor& redis,
             const replies::req_ptr& r, const std::string& script, redis::command args,
             const std::function<void(int64_t, int64_t)>& next) {
  args.insert(args.begin(), {"EVAL", script, "1"});
  self->request(redis, std::chrono::seconds{2}, exec_atom_v, std::move(args))
      .then(
          [r, next](const redis::reply& rep) {
            if (rep.type != redis::reply::kind::array || rep.elements.size() != 2) {
              replies::failure(r, make_error(gh_errc::provider_unavailable));
              return;
            }
            next(rep.elements[0].integer, rep.elements[1].integer);
          },
          [r](const caf::error& err) { replies::failure(r, err); });
}

} // namespace

checker_options options_for(const app& a) {
  checker_options o;
  o.db = &a.db;
  o.redis = a.redis;
  o.bootstrap_key = a.settings.bootstrap_admin_key.reveal();
  o.window = std::max(std::chrono::seconds{1},
                      std::chrono::duration_cast<std::chrono::seconds>(a.settings.rate_window));
  return o;
}

void unauthorized(const replies::req_ptr& r, std::string detail) {
  replies::problem(r, gh_errc::unauthorized, std::move(detail), {{"WWW-Authenticate", "ApiKey"}});
}

void checker::check(caf::event_based_actor* self, const replies::req_ptr& r,
                    std::string_view needed, std::function<void(const caller&)> next) const {
  if (r->auth.type != principal::kind::api_key || r->auth.api_key.empty()) {
    unauthorized(r, "an admin API key is required (Authorization: ApiKey <key>)");
    return;
  }
  static const std::string peek{redis::peek_hits_script};
  auto fail_key = "gh:rl:apikey:ip:" + r->remote_ip;
  counter(self, opt_.redis, r, peek, {fail_key},
          [this, self, r, needed = std::string{needed}, fail_key,
           next = std::move(next)](int64_t failures, int64_t ttl) {
            if (failures >= opt_.failed_keys_per_ip) {
              replies::problem(r, gh_errc::rate_limited,
                               "too many wrong API keys from this address; try again later",
                               {{"Retry-After", std::to_string(std::max<int64_t>(ttl, 1))}});
              return;
            }
            look_up(self, r, needed, fail_key, next);
          });
}

void checker::check_route(caf::event_based_actor* self, const std::vector<key_route>& routes,
                          const replies::req_ptr& r,
                          std::function<void(const caller&)> serve) const {
  const auto route = std::find_if(routes.begin(), routes.end(), [&r](const key_route& x) {
    return r->method == x.method && r->route == x.pattern;
  });
  if (route == routes.end()) {
    r->reply->fail(gh_errc::not_found, "no such admin route");
    return;
  }
  check(self, r, route->scope, std::move(serve));
}

void checker::look_up(caf::event_based_actor* self, const replies::req_ptr& r,
                      const std::string& needed, const std::string& fail_key,
                      std::function<void(const caller&)> next) const {
  const auto& key = r->auth.api_key;
  // Compared as digests so the time taken depends on nothing about either value.
  const bool is_bootstrap =
      !opt_.bootstrap_key.empty() &&
      crypto::constant_time_equal(crypto::sha256(key), crypto::sha256(opt_.bootstrap_key));
  replies::query<std::optional<caller>>(
      self, *opt_.db, opt_.db_timeout, r,
      [hash = crypto::sha256_hex(key), is_bootstrap](db::transaction& tx) {
        auto rows = tx.exec("SELECT id::text, array_to_string(scopes, ',') FROM api_keys "
                            "WHERE key_hash = $1 AND revoked_at IS NULL",
                            {hash});
        if (!rows.empty())
          return std::optional<caller>{
              caller{db::text(rows.front(), 0), split_scopes(db::text(rows.front(), 1))}};
        if (is_bootstrap && db::text(tx.exec(any_live_key_sql).at(0), 0) == "false")
          return std::optional<caller>{caller{{}, {"*"}}};
        return std::optional<caller>{};
      },
      [this, self, r, needed, fail_key, next = std::move(next)](std::optional<caller> who) {
        if (!who) {
          key_failed(self, r, fail_key);
          return;
        }
        if (!grants(who->scopes, needed)) {
          r->reply->fail(gh_errc::forbidden, "this API key lacks the scope " + needed);
          return;
        }
        next(*who);
      });
}

void checker::key_failed(caf::event_based_actor* self, const replies::req_ptr& r,
                         const std::string& fail_key) const {
  static const std::string hit{redis::count_hit_script};
  counter(self, opt_.redis, r, hit,
          {fail_key, std::to_string(std::max<int64_t>(opt_.window.count(), 1))},
          [r](int64_t, int64_t) { unauthorized(r, "the API key is not valid"); });
}

} // namespace gh::api_keys
