#include "actors/registry.hpp"

#include "messages/gh_errc.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace gh {

namespace {

using state_ptr = caf::stateful_actor<registry_state>*;

void publish_count(state_ptr self, const std::string& kind, int64_t delta) {
  auto& live = self->state.live[kind];
  live += delta;
  if (self->state.options.stats != nullptr)
    self->state.options.stats->set_actor_count(kind, live);
}

void forget(state_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto it = st.by_addr.find(addr);
  if (it == st.by_addr.end())
    return;
  const auto entry = it->second;
  const auto kind = entry->first.kind;
  st.by_addr.erase(it);
  st.by_key.erase(entry);
  publish_count(self, kind, -1);
}

/// Stops every actor idle for longer than its kind's timeout (while draining, than the drain's
/// bound if that is shorter); the kinds of the stopped ones, one entry each.
std::vector<std::string> sweep(state_ptr self) {
  auto& st = self->state;
  std::vector<std::string> stopped;
  const auto now = self->clock().now();
  for (auto it = st.by_key.begin(); it != st.by_key.end();) {
    const auto& kind = st.options.kinds.find(it->first.kind)->second;
    caf::timespan bound = kind.idle_timeout;
    if (st.draining)
      bound = std::min(bound, st.drain_idle);
    if (now - it->second.last_used < bound) {
      ++it;
      continue;
    }
    auto handle = it->second.handle;
    const auto key_kind = it->first.kind;
    st.by_addr.erase(handle.address());
    it = st.by_key.erase(it);
    self->demonitor(handle);
    // The exit is queued behind every message already delegated, so none of them is lost.
    self->send_exit(handle, caf::exit_reason::user_shutdown);
    ++st.reaped;
    publish_count(self, key_kind, -1);
    stopped.push_back(key_kind);
  }
  return stopped;
}

} // namespace

caf::behavior registry_impl(caf::stateful_actor<registry_state>* self, registry_options options) {
  self->state.options = std::move(options);
  for (const auto& [kind, _] : self->state.options.kinds)
    publish_count(self, kind, 0);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.reason && msg.reason != caf::exit_reason::user_shutdown)
      ++self->state.crashed;
    forget(self, msg.source);
  });
  // Per-user actors end with the registry: nothing else knows them, and a pending timer of
  // theirs must not keep the actor system waiting at shutdown.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (const auto& [key, entry] : self->state.by_key)
      self->send_exit(entry.handle, msg.reason);
    self->quit(msg.reason);
  });
  self->delayed_send(self, self->state.options.sweep_interval, sweep_atom_v);
  return {
      [self](forward_atom, user_key& key, caf::message& payload) -> caf::result<caf::message> {
        auto& st = self->state;
        auto kind = st.options.kinds.find(key.kind);
        if (kind == st.options.kinds.end() || key.user_id.empty())
          return make_error(gh_errc::not_found);
        auto it = st.by_key.find(key);
        if (it == st.by_key.end()) {
          // A draining instance starts nothing new; the caller tries again elsewhere.
          if (st.draining) {
            if (kind->second.refused)
              kind->second.refused(payload);
            return make_error(gh_errc::provider_unavailable);
          }
          auto handle = kind->second.spawn(self, key);
          if (!handle)
            return make_error(gh_errc::internal);
          self->monitor(handle);
          const auto addr = handle.address();
          it = st.by_key.emplace(key, registry_state::entry{std::move(handle), {}}).first;
          st.by_addr.emplace(addr, it);
          ++st.spawned;
          publish_count(self, key.kind, +1);
        }
        it->second.last_used = self->clock().now();
        return self->delegate(it->second.handle, std::move(payload));
      },
      [self](add_atom, const std::string& kind, user_actor_kind& spec) {
        self->state.options.kinds.insert_or_assign(kind, std::move(spec));
        publish_count(self, kind, 0);
        return true;
      },
      [self](count_atom) -> uint64_t { return self->state.by_key.size(); },
      [self](count_atom, const std::string& kind) -> uint64_t {
        auto it = self->state.live.find(kind);
        return it == self->state.live.end() ? 0 : static_cast<uint64_t>(it->second);
      },
      [self](stats_atom) {
        const auto& st = self->state;
        return caf::make_message(st.spawned, st.reaped, st.crashed);
      },
      [self](drain_atom, int64_t idle_ms) {
        auto& st = self->state;
        const caf::timespan idle = std::chrono::milliseconds{std::max<int64_t>(0, idle_ms)};
        st.drain_idle = st.draining ? std::min(st.drain_idle, idle) : idle;
        st.draining = true;
        return sweep(self);
      },
      [self](sweep_atom) {
        sweep(self);
        self->delayed_send(self, self->state.options.sweep_interval, sweep_atom_v);
      },
  };
}

caf::actor spawn_registry(caf::actor_system& sys, registry_options options) {
  return sys.spawn(registry_impl, std::move(options));
}

} // namespace gh
