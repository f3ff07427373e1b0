#include "actors/placement.hpp"

#include "config/log.hpp"
#include "messages/type_ids.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <map>

namespace gh {

namespace {

struct held_lease {
  user_key key;
  uint64_t revision = 0;
};

struct keeper_state {
  registry_placement placement;
  caf::actor_addr registry;
  std::map<std::string, held_lease> held; ///< by lease key
};

using keeper_self = caf::stateful_actor<keeper_state>*;

/// Renews every lease held; tells the registry of those lost.
void renew_all(keeper_self self) {
  auto& st = self->state;
  if (!st.placement.leases->reachable())
    return; // an outage is not a loss: the leases are written again once the store is back
  for (auto it = st.held.begin(); it != st.held.end();) {
    auto rev = st.placement.leases->renew(it->first, st.placement.instance, it->second.revision);
    if (rev) {
      it->second.revision = *rev;
      ++it;
      continue;
    }
    if (!st.placement.leases->reachable())
      return;
    log::warn("a per-user actor's lease was lost", {{"kind", it->second.key.kind}});
    if (auto registry = caf::actor_cast<caf::actor>(st.registry))
      caf::anon_send(registry, lost_atom_v, it->second.key);
    it = st.held.erase(it);
  }
}

/// Gives up every lease held; while the store cannot be reached they are left to expire (a
/// write would wait for its timeout, and a stopping process must not).
void release_all(keeper_self self) {
  auto& st = self->state;
  for (const auto& [k, held] : st.held) {
    if (!st.placement.leases->reachable())
      break;
    st.placement.leases->release(k, held.revision);
  }
  st.held.clear();
}

caf::behavior lease_keeper(keeper_self self, registry_placement placement,
                           caf::actor_addr registry) {
  self->state.placement = std::move(placement);
  self->state.registry = std::move(registry);
  // Leases end with the keeper, so another instance takes them at once, not after their TTL.
  self->attach_functor([self] { release_all(self); });
  self->delayed_send(self, self->state.placement.renew_interval, tick_atom_v);
  return {
      [self](owner_atom, const user_key& key, bool take,
             const std::string& gone) -> caf::result<std::string, bool> {
        auto& st = self->state;
        auto* leases = st.placement.leases;
        if (!leases->reachable())
          return {std::string{}, false};
        const auto k = lease_key(key.kind, key.user_id, key.key);
        auto current = take ? leases->acquire(k, st.placement.instance) : leases->owner(k);
        if (!take && !current && !leases->reachable())
          return {std::string{}, false};
        if (take && !current)
          return {std::string{}, false};
        if (current && !current->ours && take && !gone.empty() && current->owner == gone) {
          // The owner stopped answering: its lease is taken over at the revision read.
          if (auto rev = leases->renew(k, st.placement.instance, current->revision))
            current = actor_lease{st.placement.instance, *rev, true};
          else
            current = leases->owner(k);
        }
        if (!current)
          return {std::string{}, true};
        if (current->ours)
          st.held.insert_or_assign(k, held_lease{key, current->revision});
        return {current->owner, true};
      },
      [self](release_atom, const user_key& key) {
        auto& st = self->state;
        auto it = st.held.find(lease_key(key.kind, key.user_id, key.key));
        if (it == st.held.end())
          return;
        if (st.placement.leases->reachable())
          st.placement.leases->release(it->first, it->second.revision);
        st.held.erase(it);
      },
      [self](release_atom) {
        release_all(self);
        return true;
      },
      [self](tick_atom) {
        renew_all(self);
        self->delayed_send(self, self->state.placement.renew_interval, tick_atom_v);
      },
  };
}

} // namespace

caf::actor spawn_lease_keeper(caf::local_actor* parent, registry_placement placement,
                              caf::actor_addr registry) {
  return parent->spawn<caf::detached>(lease_keeper, std::move(placement), std::move(registry));
}

} // namespace gh
