#pragma once

#include "actors/replies.hpp"
#include "messages/gh_errc.hpp"
#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// What records and organizations share: the roles of an organization, and transactions that
/// run as the row-level-security role `gatehouse_tenant` on behalf of one caller (migration
/// 0008 holds the policies).
namespace gh::tenancy {

/// A member's role in an organization, weakest first.
enum class org_role : uint8_t { viewer = 0, member = 1, admin = 2, owner = 3 };

/// The role named `text` (`owner`, `admin`, `member`, `viewer`), or nullopt.
std::optional<org_role> parse_role(std::string_view text) noexcept;

/// The name of `role` as API.md spells it.
std::string_view role_name(org_role role) noexcept;

/// True for the roles that write an organization's records: member and above (viewers read).
constexpr bool writes_records(org_role role) noexcept {
  return role >= org_role::member;
}

/// Who a tenant transaction acts for; `org_id` is empty outside an organization.
struct caller {
  std::string user_id;
  std::string tenant_id;
  std::string org_id;
};

/// The signed-in caller of `r`, inside organization `org_id` when given.
caller caller_of(const http_request& r, std::string org_id = {});

/// The statement that opens every tenant transaction: `SET LOCAL ROLE gatehouse_tenant` and the
/// transaction-local `app.user_id`, `app.tenant_id` and `app.org_id` ($1, $2, $3), all undone
/// at COMMIT or ROLLBACK, so a pooled connection carries nothing into its next transaction.
inline constexpr std::string_view enter_sql =
    "SELECT set_config('role', 'gatehouse_tenant', true), set_config('app.user_id', $1, true), "
    "set_config('app.tenant_id', $2, true), set_config('app.org_id', $3, true)";

/// Makes the rest of `tx` run as `gatehouse_tenant` on behalf of `who`.
void enter(db::transaction& tx, const caller& who);

/// Serializes every change of organization `org_id`'s memberships for the rest of `tx` (a
/// transaction-scoped advisory lock), so two concurrent demotions cannot both pass the
/// last-owner check.
void lock_org(db::transaction& tx, const std::string& org_id);

/// What a unit of tenant work answers: a JSON body with its status (204 with no body), or a
/// problem. Work decides on a problem before it writes anything: the transaction commits
/// whatever it holds.
struct answer {
  int status = 200;
  std::string body;
  replies::header_list headers;
  gh_errc error = gh_errc::ok;
  std::string detail;
  std::vector<field_error> errors;

  /// A JSON answer (`body` already serialized).
  static answer json(int status, std::string body, replies::header_list headers = {});
  /// 204 No Content.
  static answer none();
  /// The problem of `code`.
  static answer fail(gh_errc code, std::string detail, std::vector<field_error> errors = {});
};

/// Sends `a` to `r`.
void send(const replies::req_ptr& r, answer a);

/// Runs `work(db::transaction&) -> answer` in one transaction of `db` as `who` (off `self`'s
/// thread) and answers `r` with its result; a failure of the database answers through
/// `replies::failure`.
template <class Work>
void respond(caf::event_based_actor* self, db::database& db, std::chrono::milliseconds timeout,
             const replies::req_ptr& r, caller who, Work work) {
  replies::query<answer>(
      self, db, timeout, r,
      [who = std::move(who), work = std::move(work)](db::transaction& tx) mutable {
        enter(tx, who);
        return work(tx);
      },
      [r](answer a) { send(r, std::move(a)); });
}

} // namespace gh::tenancy
