#include "actors/registry.hpp"

#include "config/log.hpp"
#include "messages/gh_errc.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace gh {

namespace {

using state_ptr = caf::stateful_actor<registry_state>*;
using waiting = registry_state::waiting;

/// How long a forwarded message waits before the registry asks whether its owner still
/// listens (and again as often while it waits): an owner killed with the message on its way
/// never answers, and without the probe its sender would wait out the whole timeout.
constexpr std::chrono::milliseconds probe_interval{500};

/// A probe's token is its message's with this bit set.
constexpr uint64_t probe_bit = uint64_t{1} << 63;

/// The most remote owners remembered; past it the memory starts over.
constexpr std::size_t max_known_owners = 100000;

void publish_count(state_ptr self, const std::string& kind, int64_t delta) {
  auto& live = self->state.live[kind];
  live += delta;
  if (self->state.options.stats != nullptr)
    self->state.options.stats->set_actor_count(kind, live);
}

bool placed_kind(state_ptr self, const user_actor_kind& kind) {
  return self->state.keeper && kind.remote.outgoing && kind.remote.incoming;
}

/// Gives up the lease of an actor that ended here; kinds that are not placed hold none.
void release_lease(state_ptr self, const user_key& key) {
  auto kind = self->state.options.kinds.find(key.kind);
  if (kind != self->state.options.kinds.end() && placed_kind(self, kind->second))
    self->send(self->state.keeper, release_atom_v, key);
}

void forget(state_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto it = st.by_addr.find(addr);
  if (it == st.by_addr.end())
    return;
  const auto entry = it->second;
  const auto key = entry->first;
  st.by_addr.erase(it);
  st.by_key.erase(entry);
  publish_count(self, key.kind, -1);
  release_lease(self, key);
}

/// Stops the actor of `it` (it ends after the messages already delegated to it).
registry_state::entries::iterator stop(state_ptr self, registry_state::entries::iterator it) {
  auto& st = self->state;
  auto handle = it->second.handle;
  const auto key = it->first;
  st.by_addr.erase(handle.address());
  it = st.by_key.erase(it);
  self->demonitor(handle);
  self->send_exit(handle, caf::exit_reason::user_shutdown);
  publish_count(self, key.kind, -1);
  release_lease(self, key);
  return it;
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
    stopped.push_back(it->first.kind);
    ++st.reaped;
    it = stop(self, it);
  }
  return stopped;
}

/// Spawns the actor of `key` here; the end of `by_key` when the kind's factory refused.
registry_state::entries::iterator spawn_here(state_ptr self, const user_key& key,
                                             const user_actor_kind& kind) {
  auto& st = self->state;
  auto handle = kind.spawn(self, key);
  if (!handle)
    return st.by_key.end();
  self->monitor(handle);
  const auto addr = handle.address();
  auto it = st.by_key.emplace(key, registry_state::entry{std::move(handle), {}}).first;
  st.by_addr.emplace(addr, it);
  ++st.spawned;
  publish_count(self, key.kind, +1);
  return it;
}

void answer_remote(state_ptr self, const std::string& reply_to, const std::string& body) {
  if (self->state.options.placement.channel != nullptr)
    self->state.options.placement.channel->answer(reply_to, body);
}

/// Hands `item` to the local actor `handle` of `key`.
void deliver_here(state_ptr self, const user_key& key, const user_actor_kind& kind,
                  const caf::actor& handle, waiting& item) {
  if (item.reply_to.empty()) {
    item.promise.delegate(handle, std::move(item.msg));
    return;
  }
  auto* channel = self->state.options.placement.channel;
  const bool ok = kind.remote.incoming(self, handle, item.text,
                                       [channel, to = item.reply_to](const std::string& answer) {
                                         if (channel != nullptr)
                                           channel->answer(to, encode_answer(answer));
                                       });
  if (!ok) {
    // Neither an answer nor "moved": its sender gives up at once.
    answer_remote(self, item.reply_to, "{}");
    log::warn("a forwarded message was malformed", {{"kind", key.kind}});
  }
}

/// Tells whoever waits on `item` that no actor will take it.
void refuse(const user_actor_kind& kind, waiting& item, gh_errc code) {
  if (!item.reply_to.empty())
    return; // the forwarding instance times out, or hears "moved"
  if (kind.refused)
    kind.refused(item.msg);
  item.promise.deliver(make_error(code));
}

void place(state_ptr self, const user_key& key, waiting item, std::string gone = {});

/// Sends `item` to the instance `owner` that holds the actor of `key`.
void send_to_owner(state_ptr self, const user_key& key, const user_actor_kind& kind,
                   const std::string& owner, waiting item) {
  auto& st = self->state;
  if (!item.reply_to.empty()) {
    // Forwarded here, but owned elsewhere: the sender looks again; no message hops twice.
    answer_remote(self, item.reply_to, encode_moved(owner));
    return;
  }
  auto keep = item.msg; // for a retry here, should the owner be gone
  auto out = kind.remote.outgoing(key, item.msg, item.promise);
  if (!out)
    return;
  const auto token = ++st.next_token;
  item.msg = std::move(keep);
  auto on_answer = std::move(out->second);
  if (!st.options.placement.channel->send(owner, encode_envelope(key, out->first), token)) {
    on_answer(make_error(gh_errc::provider_unavailable));
    return;
  }
  st.forwarded.emplace(
      token, registry_state::forwarded_entry{key, owner, std::move(item), std::move(on_answer)});
  self->delayed_send(self, st.options.placement.remote_timeout, answer_atom_v, token,
                     forward_outcome::timed_out, std::string{});
  self->delayed_send(self, probe_interval, answer_atom_v, token, forward_outcome::probe_due,
                     std::string{});
}

/// Acts on the keeper's word for the messages waiting on `key`.
void placed(state_ptr self, const user_key& key, const std::string& owner, bool reachable) {
  auto& st = self->state;
  auto node = st.placing.extract(key);
  if (node.empty())
    return;
  auto items = std::move(node.mapped().items);
  const auto& kind = st.options.kinds.find(key.kind)->second;
  const bool here = owner == st.options.placement.instance ||
                    (!reachable && !st.draining); // no store: as without placement
  if (here) {
    if (!reachable)
      log::warn("the leases cannot be reached; a per-user actor starts here", {{"kind", key.kind}});
    auto it = st.by_key.find(key);
    if (it == st.by_key.end())
      it = spawn_here(self, key, kind);
    if (it == st.by_key.end()) {
      release_lease(self, key);
      for (auto& item : items)
        refuse(kind, item, gh_errc::internal);
      return;
    }
    it->second.last_used = self->clock().now();
    st.owners.erase(key);
    for (auto& item : items)
      deliver_here(self, key, kind, it->second.handle, item);
    return;
  }
  if (owner.empty()) {
    // Draining, or the store is down while draining: nobody else holds it, and nothing starts
    // here. A forwarded message is told so; its sender takes the actor itself.
    for (auto& item : items) {
      if (item.reply_to.empty())
        refuse(kind, item, gh_errc::provider_unavailable);
      else
        answer_remote(self, item.reply_to, encode_moved(""));
    }
    return;
  }
  if (st.owners.size() >= max_known_owners)
    st.owners.clear();
  st.owners.insert_or_assign(key, owner);
  for (auto& item : items)
    send_to_owner(self, key, kind, owner, std::move(item));
}

/// Finds where the actor of `key` lives for `item` (see `placed`); `gone` names an owner that
/// stopped answering.
void place(state_ptr self, const user_key& key, waiting item, std::string gone) {
  auto& st = self->state;
  if (gone.empty() && item.reply_to.empty()) {
    auto known = st.owners.find(key);
    if (known != st.owners.end()) {
      const auto& kind = st.options.kinds.find(key.kind)->second;
      send_to_owner(self, key, kind, known->second, std::move(item));
      return;
    }
  }
  auto [it, first] = st.placing.try_emplace(key);
  it->second.items.push_back(std::move(item));
  if (!first)
    return; // the keeper was asked already; its answer covers this one
  it->second.gone = gone;
  self->request(st.keeper, st.options.placement.remote_timeout, owner_atom_v, key, !st.draining,
                std::move(gone))
      .then(
          [self, key](std::string& owner, bool reachable) { placed(self, key, owner, reachable); },
          [self, key](caf::error&) { placed(self, key, {}, false); });
}

/// An owner's answer to a forwarded message, or the lack of one.
void on_answer(state_ptr self, uint64_t token, int outcome, const std::string& body) {
  auto& st = self->state;
  const bool probe_answer = (token & probe_bit) != 0;
  auto it = st.forwarded.find(token & ~probe_bit);
  if (it == st.forwarded.end())
    return;
  if (outcome == forward_outcome::probe_due) {
    // Still no answer: is anybody listening for the owner?
    st.options.placement.channel->probe(it->second.owner, token | probe_bit);
    return;
  }
  if (probe_answer) {
    if (outcome == forward_outcome::answered) {
      // The owner listens: the message is on its way or being answered; ask again later.
      self->delayed_send(self, probe_interval, answer_atom_v, token & ~probe_bit,
                         forward_outcome::probe_due, std::string{});
      return;
    }
    // Nobody listens: the owner died with the message, which never reached its actor.
    outcome = forward_outcome::nobody_listens;
  }
  auto entry = std::move(it->second);
  st.forwarded.erase(it);
  if (outcome == forward_outcome::answered) {
    auto answer = decode_answer(body);
    if (answer && answer->answer) {
      entry.on_answer(std::move(*answer->answer));
      return;
    }
    st.owners.erase(entry.key);
    if (answer && entry.item.attempts < 2) {
      ++entry.item.attempts;
      place(self, entry.key, std::move(entry.item));
      return;
    }
  } else if (outcome == forward_outcome::nobody_listens) {
    // Nobody listens for the owner: it is gone, and the message never reached it.
    st.owners.erase(entry.key);
    if (entry.item.attempts < 2) {
      ++entry.item.attempts;
      place(self, entry.key, std::move(entry.item), entry.owner);
      return;
    }
  }
  entry.on_answer(make_error(gh_errc::provider_unavailable));
}

/// A message another instance forwarded to this one.
void on_remote(state_ptr self, const std::string& envelope, const std::string& reply_to) {
  auto& st = self->state;
  auto decoded = decode_envelope(envelope);
  if (!decoded)
    return; // its sender times out
  auto& [key, text] = *decoded;
  auto kind = st.options.kinds.find(key.kind);
  if (kind == st.options.kinds.end() || !placed_kind(self, kind->second)) {
    answer_remote(self, reply_to, encode_moved("")); // not placed here: its sender keeps it
    return;
  }
  waiting item{{}, {}, std::move(text), reply_to, 0};
  auto it = st.by_key.find(key);
  if (it != st.by_key.end()) {
    it->second.last_used = self->clock().now();
    deliver_here(self, key, kind->second, it->second.handle, item);
    return;
  }
  place(self, key, std::move(item));
}

/// Ends placement: leases given up, forwarded messages answered.
void end_placement(state_ptr self) {
  auto& st = self->state;
  for (auto& [token, entry] : st.forwarded)
    entry.on_answer(make_error(gh_errc::provider_unavailable));
  st.forwarded.clear();
  st.owners.clear();
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
    if (self->state.keeper)
      self->send_exit(self->state.keeper, msg.reason);
    end_placement(self);
    self->quit(msg.reason);
  });
  self->delayed_send(self, self->state.options.sweep_interval, sweep_atom_v);
  return {
      [self](forward_atom, user_key& key, caf::message& payload) -> caf::response_promise {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        auto kind = st.options.kinds.find(key.kind);
        if (kind == st.options.kinds.end() || key.user_id.empty()) {
          rp.deliver(make_error(gh_errc::not_found));
          return rp;
        }
        auto it = st.by_key.find(key);
        if (it == st.by_key.end() && placed_kind(self, kind->second)) {
          place(self, key, waiting{std::move(payload), rp, {}, {}, 0});
          return rp;
        }
        if (it == st.by_key.end()) {
          // A draining instance starts nothing new; the caller tries again elsewhere.
          if (st.draining) {
            if (kind->second.refused)
              kind->second.refused(payload);
            rp.deliver(make_error(gh_errc::provider_unavailable));
            return rp;
          }
          it = spawn_here(self, key, kind->second);
          if (it == st.by_key.end()) {
            rp.deliver(make_error(gh_errc::internal));
            return rp;
          }
        }
        it->second.last_used = self->clock().now();
        rp.delegate(it->second.handle, std::move(payload));
        return rp;
      },
      [self](add_atom, const std::string& kind, user_actor_kind& spec) {
        self->state.options.kinds.insert_or_assign(kind, std::move(spec));
        publish_count(self, kind, 0);
        return true;
      },
      [self](add_atom, registry_placement& placement) {
        auto& st = self->state;
        if (st.keeper || placement.leases == nullptr || placement.channel == nullptr)
          return false;
        st.options.placement = placement;
        st.keeper = spawn_lease_keeper(self, std::move(placement), self->address());
        return true;
      },
      [self](remote_atom, const std::string& envelope, const std::string& reply_to) {
        on_remote(self, envelope, reply_to);
      },
      [self](answer_atom, uint64_t token, int outcome, const std::string& body) {
        on_answer(self, token, outcome, body);
      },
      [self](lost_atom, const user_key& key) {
        // Another instance took the lease over: the actor here must not run beside its own.
        auto it = self->state.by_key.find(key);
        if (it != self->state.by_key.end())
          stop(self, it);
      },
      [self](release_atom) -> caf::result<bool> {
        auto& st = self->state;
        end_placement(self);
        if (!st.keeper)
          return true;
        auto keeper = std::move(st.keeper);
        st.keeper = nullptr;
        auto rp = self->make_response_promise<bool>();
        self->request(keeper, std::chrono::seconds{5}, release_atom_v)
            .then(
                [self, rp, keeper](bool) mutable {
                  self->send_exit(keeper, caf::exit_reason::user_shutdown);
                  rp.deliver(true);
                },
                [self, rp, keeper](caf::error&) mutable {
                  self->send_exit(keeper, caf::exit_reason::user_shutdown);
                  rp.deliver(false);
                });
        return rp;
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

owner_channel::request_sink registry_request_sink(caf::actor registry) {
  return [registry = std::move(registry)](std::string envelope, std::string reply_to) {
    caf::anon_send(registry, remote_atom_v, std::move(envelope), std::move(reply_to));
  };
}

owner_channel::answer_sink registry_answer_sink(caf::actor registry) {
  return [registry = std::move(registry)](uint64_t token, std::optional<std::string> body) {
    caf::anon_send(registry, answer_atom_v, token,
                   body ? forward_outcome::answered : forward_outcome::nobody_listens,
                   body ? std::move(*body) : std::string{});
  };
}

} // namespace gh
