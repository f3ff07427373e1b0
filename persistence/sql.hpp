#pragma once

#include "messages/gh_errc.hpp"

#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The SQL interface actors use: parameterised statements in one transaction, run off the
/// caller's thread. No libpqxx type crosses it.
namespace gh::db {

/// A statement parameter; empty is SQL NULL.
using param = std::optional<std::string>;

/// One result row as text, NULL as empty.
using row = std::vector<std::optional<std::string>>;

/// The rows a statement returned.
using rows = std::vector<row>;

/// One transaction on one connection. Statements take their values only as parameters
/// (`$1`, `$2`, ...); nothing is ever spliced into SQL text.
class transaction {
public:
  virtual ~transaction() = default;
  virtual rows exec(std::string_view sql, const std::vector<param>& params = {}) = 0;
};

/// Runs units of work, each in one transaction that commits when the work returns (and rolls
/// back when it throws).
class database {
public:
  virtual ~database() = default;

  /// Runs `work` on a connection (never on the caller's thread) and calls `done` in `self`'s
  /// context with the outcome: no error, `provider_unavailable` (database unreachable, or the
  /// outcome unknown) or `internal`. `work` must not touch `self`'s state.
  virtual void transact(caf::event_based_actor* self, std::chrono::milliseconds timeout,
                        std::function<void(transaction&)> work,
                        std::function<void(const caf::error&)> done) = 0;

  /// Like `transact`, with a value computed by `work` handed to `done` as `caf::expected<T>`.
  template <class T, class Work, class Done>
  void query(caf::event_based_actor* self, std::chrono::milliseconds timeout, Work work,
             Done done) {
    auto out = std::make_shared<std::optional<T>>();
    transact(
        self, timeout,
        [out, work = std::move(work)](transaction& tx) mutable { out->emplace(work(tx)); },
        [out, done = std::move(done)](const caf::error& err) mutable {
          if (err || !out->has_value())
            done(caf::expected<T>{err ? err : make_error(gh_errc::internal)});
          else
            done(caf::expected<T>{std::move(**out)});
        });
  }
};

/// The text of column `i` of `r`, or `fallback` when NULL.
inline std::string text(const row& r, std::size_t i, std::string fallback = {}) {
  return i < r.size() && r[i] ? *r[i] : std::move(fallback);
}

} // namespace gh::db
