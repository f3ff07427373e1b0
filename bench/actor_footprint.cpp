// What an idle per-user actor costs: spawns N (default 100,000) per-user actors through the
// registry (actors/registry.hpp), one per user, each by a forwarded message as Gatehouse does on
// a user's first request, waits until all are spawned and have answered, and reports the heap
// bytes in use (glibc's mallinfo2: small blocks plus mmapped ones) and the RSS before and after,
// per actor. The same is then measured for N actors spawned straight from the actor system (no
// registry), so the registry's own bookkeeping per actor is the difference.
//
// The actor is the smallest a registry kind can be: an event-based actor with the state a
// per-user actor keeps at least (its user_key) and one handler. Real kinds add their own state
// (checkout_flow: a checkout row; telegram_session: a TDLib client in another process).
//
//   actor_footprint [N]
//
// Prints "registry n=N heap_bytes_per_actor=B rss_bytes_per_actor=R" and the same for "bare",
// then "registry_bookkeeping_bytes_per_actor=D sizeof_actor=S".
#include "actors/registry.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/// What an idle per-user actor holds at least: the key it was spawned for.
struct idle_state {
  gh::user_key key;
};

using idle_actor = caf::stateful_actor<idle_state>;

caf::behavior idle_user_actor(idle_actor* self, gh::user_key key) {
  self->state.key = std::move(key);
  return {
      [self](gh::status_atom) { return self->state.key.user_id; },
  };
}

/// Heap bytes in use: small blocks from the arenas plus blocks mmapped on their own.
std::size_t heap_bytes() {
  const auto info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::size_t rss_bytes() {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoul(line.substr(6)) * 1024;
  return 0;
}

/// A user id as Gatehouse's are: a UUID's 36 characters.
std::string user_id(std::size_t i) {
  char out[40];
  (void)std::snprintf(out, sizeof out, "00000000-0000-4000-8000-%012zx", i % 0x1000000000000);
  return std::string{out, 36};
}

struct snapshot {
  std::size_t heap = 0;
  std::size_t rss = 0;
};

snapshot take() {
  malloc_trim(0);
  return {heap_bytes(), rss_bytes()};
}

void report(const char* what, std::size_t n, const snapshot& before, const snapshot& after) {
  std::printf("%s n=%zu heap_bytes_per_actor=%.0f rss_bytes_per_actor=%.0f\n", what, n,
              static_cast<double>(after.heap - before.heap) / static_cast<double>(n),
              static_cast<double>(after.rss - before.rss) / static_cast<double>(n));
}

} // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  if (n == 0) {
    (void)std::fprintf(stderr, "usage: actor_footprint [N > 0]\n");
    return 1;
  }
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(2));
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  gh::registry_options options;
  options.kinds["idle"] =
      gh::user_actor_kind{[](caf::local_actor* parent, const gh::user_key& key) {
                            return parent->spawn(idle_user_actor, key);
                          },
                          std::chrono::hours{1}};
  options.sweep_interval = std::chrono::hours{1};
  auto registry = gh::spawn_registry(sys, std::move(options));

  // Keys are built before the first snapshot, so only the actors and the registry count.
  std::vector<gh::user_key> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    keys.push_back(gh::user_key{"idle", user_id(i), {}});
  std::vector<caf::actor> bare;
  bare.reserve(n);

  const auto before = take();
  // Requests in flight are bounded, so mailboxes do not count.
  constexpr std::size_t batch = 1000;
  for (std::size_t i = 0; i < n; i += batch) {
    const std::size_t end = std::min(n, i + batch);
    for (std::size_t j = i; j < end; ++j)
      self->send(registry, gh::forward_atom_v, keys[j], caf::make_message(gh::status_atom_v));
    for (std::size_t j = i; j < end; ++j)
      self->receive([](const std::string&) {},
                    [](const caf::error& e) {
                      (void)std::fprintf(stderr, "forward failed: %s\n", to_string(e).c_str());
                      std::exit(1);
                    });
  }
  uint64_t live = 0;
  self->request(registry, caf::infinite, gh::count_atom_v)
      .receive([&](uint64_t count) { live = count; }, [](const caf::error&) {});
  if (live != n) {
    (void)std::fprintf(stderr, "the registry holds %llu actors, not %zu\n",
                       static_cast<unsigned long long>(live), n);
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  const auto with_registry = take();
  report("registry", n, before, with_registry);

  const auto bare_before = take();
  for (std::size_t i = 0; i < n; ++i)
    bare.push_back(sys.spawn(idle_user_actor, keys[i]));
  for (std::size_t i = 0; i < n; i += batch) {
    const std::size_t end = std::min(n, i + batch);
    for (std::size_t j = i; j < end; ++j)
      self->send(bare[j], gh::status_atom_v);
    for (std::size_t j = i; j < end; ++j)
      self->receive([](const std::string&) {});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  const auto bare_after = take();
  report("bare", n, bare_before, bare_after);
  std::printf("registry_bookkeeping_bytes_per_actor=%.0f sizeof_actor=%zu\n",
              (static_cast<double>(with_registry.heap - before.heap) -
               static_cast<double>(bare_after.heap - bare_before.heap)) /
                  static_cast<double>(n),
              sizeof(idle_actor));

  for (auto& a : bare)
    self->send_exit(a, caf::exit_reason::user_shutdown);
  bare.clear();
  self->send_exit(registry, caf::exit_reason::user_shutdown);
  return 0;
}
