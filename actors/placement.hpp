#pragma once

#include "messages/owner_envelope.hpp"
#include "messages/user_key.hpp"
#include "persistence/ownership.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gh {

/// How the registry places per-user actors across instances (DESIGN.md "Growing past one
/// machine"): the actors of a kind with a `remote` codec are owned through a lease, and
/// messages for one owned elsewhere are forwarded to its owner.
struct registry_placement {
  lease_directory* leases = nullptr; ///< nullptr: every instance runs its own actors
  owner_channel* channel = nullptr;
  std::string instance;
  /// How often the owner writes its leases again; the store's TTL is a few times longer.
  std::chrono::milliseconds renew_interval{2000};
  /// How long a forwarded message waits for its owner's answer.
  std::chrono::milliseconds remote_timeout{30000};
};

/// Spawns the keeper of this instance's leases, a detached actor (its calls block):
///
/// - `(owner_atom, user_key, bool take, std::string gone)` -> `(std::string owner, bool
///   reachable)`: who owns the key's actor now. With `take`, a free lease becomes this
///   instance's, and so does one still naming `gone` (an owner that no longer answers). The
///   owner is `placement.instance` when it is ours, empty when nobody owns it; `reachable` is
///   false when the store cannot be asked.
/// - `(release_atom, user_key)`: gives up the lease of an actor that ended here.
/// - `(release_atom)` -> `bool`: gives up every lease (a drain or shutdown); answers when done.
///
/// Every `renew_interval` it writes the leases it holds again; one it cannot renew (taken over
/// after this instance stopped answering) is reported to `registry` as `(lost_atom, user_key)`.
caf::actor spawn_lease_keeper(caf::local_actor* parent, registry_placement placement,
                              caf::actor_addr registry);

} // namespace gh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::registry_placement)
