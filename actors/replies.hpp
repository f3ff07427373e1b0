#pragma once

#include "messages/gh_errc.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"
#include "providers/stripe/callers.hpp"

#include <boost/json/value.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

/// How service actors answer HTTP requests: JSON bodies, empty 204s, problems, and the mapping of
/// a backing service's failure to the caller's problem.
namespace gh::replies {

using req_ptr = std::shared_ptr<http_request>;
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Answers `r` with `body` as JSON.
void json(const req_ptr& r, int status, const boost::json::value& body, header_list headers = {});

/// Answers `r` with 204 No Content.
void empty(const req_ptr& r, header_list headers = {});

/// Answers `r` with the problem of `code`, `detail` and extra headers (`Retry-After`, ...).
void problem(const req_ptr& r, gh_errc code, std::string detail, header_list headers = {});

/// Maps a failure of PostgreSQL, Redis or a worker to the caller's problem: 503 with
/// `Retry-After` while a dependency is down or slow, 500 without details for anything else.
void failure(const req_ptr& r, const caf::error& err);

/// Header `name` of `r` as Gatehouse stores it (audit log, session list): at most 512 printable
/// ASCII characters, anything else as `?`, so no byte sequence a client sends can fail the
/// transaction it is written in; empty when absent.
std::string stored_header(const http_request& r, std::string_view name);

/// Runs `work` in one transaction of `db` off `self`'s thread and calls `next(value)` in `self`'s
/// context; a failure answers `r` through `failure`.
template <class T, class Work, class Next>
void query(caf::event_based_actor* self, db::database& db, std::chrono::milliseconds timeout,
           const req_ptr& r, Work work, Next next) {
  db.query<T>(self, timeout, std::move(work), [r, next](caf::expected<T> result) mutable {
    if (!result) {
      failure(r, result.error());
      return;
    }
    next(std::move(*result));
  });
}

/// Answers `r` with the problem a failed Stripe call maps to (503 with `Retry-After` while
/// Stripe cannot be used; the blamed parameter as a field error).
void stripe_failure(const req_ptr& r, const stripe::result& failed);

/// Runs `fn(stripe::client&) -> stripe::result` on one of `callers` and calls `next(result)` in
/// `self`'s context when it succeeded; otherwise answers `r` through `stripe_failure` (503
/// `not-configured` without a Stripe key).
template <class Fn, class Next>
void call_stripe(caf::event_based_actor* self, stripe::callers* callers,
                 std::chrono::milliseconds timeout, const req_ptr& r, Fn fn, Next next) {
  if (callers == nullptr || !callers->configured()) {
    r->reply->fail(gh_errc::not_configured, "payments are not configured (STRIPE_SECRET_KEY)");
    return;
  }
  callers->call(self, timeout, std::move(fn), [r, next](stripe::result res) mutable {
    if (!res.ok()) {
      stripe_failure(r, res);
      return;
    }
    next(std::move(res));
  });
}

} // namespace gh::replies
