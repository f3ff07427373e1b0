#pragma once

#include "persistence/sql.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The SQL of ending a user's sessions, disabling and deleting a user, shared by the capabilities
/// that do it (an operator's disable, an account's own deletion, a provider's webhook), each run
/// inside the caller's transaction. Revoking the returned refresh families' access tokens at
/// once is the caller's part (`actors/revocations.hpp`), after the work committed or failed.
namespace gh {

/// Revokes every live session of `user_id` for `reason` except `keep`; the ids of the families
/// it ended.
std::vector<std::string> end_sessions(db::transaction& tx, const std::string& user_id,
                                      std::string_view reason, const std::string& keep = {});

/// Sets `user_id`'s status to `disabled` and ends their sessions (reason `disabled`): the
/// families ended, or nothing when there is no such user. A user disabled already stays so
/// (any session left is ended all the same).
std::optional<std::vector<std::string>> disable_user(db::transaction& tx,
                                                     const std::string& user_id);

/// Deletes `user_id` of `tenant_id`: their sessions ended (reason `account_deleted`), the row
/// deleted (sessions, tokens, identities and recovery codes go with it by ON DELETE CASCADE)
/// and `user.deleted` written to the outbox. The families ended, or nothing when there is no
/// such user.
std::optional<std::vector<std::string>> delete_user(db::transaction& tx, const std::string& user_id,
                                                    const std::string& tenant_id);

} // namespace gh
