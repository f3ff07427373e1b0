#!/usr/bin/env bash
# Per-user actors when idle: bench/actor_footprint (built in build/release, target
# actor_footprint) spawns N per-user actors through the registry, one per user as a user's
# first request does, and prints the heap bytes (glibc mallinfo2) and RSS each costs; then the
# same number of the same actor spawned straight from the actor system, the reference of the same
# run: the registry's bookkeeping per actor is the difference. Repeats GH_BENCH_ROUNDS times
# (default 3), each in a fresh process, and prints the medians with their spread.
#
#   bench/actors.sh [N]        (default 100000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

n="${1:-100000}"
rounds="${GH_BENCH_ROUNDS:-3}"
gh_install "${GH_PACKAGES[@]}"
gh_build build/release Release -DGATEHOUSE_TESTS=OFF >/dev/null
cmake --build build/release --target actor_footprint >/dev/null
tool=build/release/bench/actor_footprint

declare -A values
for round in $(seq 1 "$rounds"); do
  out=$("$tool" "$n")
  echo "round $round: $(tr '\n' ' ' <<<"$out")" >&2
  for side in registry bare; do
    line=$(grep "^$side " <<<"$out")
    values[$side,heap]+="$(field heap_bytes_per_actor "$line") "
    values[$side,rss]+="$(field rss_bytes_per_actor "$line") "
  done
  values[bookkeeping]+="$(grep -o 'registry_bookkeeping_bytes_per_actor=[0-9-]*' <<<"$out" | cut -d= -f2) "
  sizeof=$(grep -o 'sizeof_actor=[0-9]*' <<<"$out" | cut -d= -f2)
done

# shellcheck disable=SC2086 # the lists are space-separated numbers
cell() { printf '%.0f (%s)' "$(median ${values[$1]})" "$(printf '%s\n' ${values[$1]} | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }')"; }

echo
echo "$n idle per-user actors, $rounds rounds (fresh processes), CAF $(sed -n 's/#define CAF_VERSION //p' /usr/include/caf/config.hpp), sizeof(actor) = $sizeof bytes"
echo
echo "| spawned | heap bytes per actor (median, spread) | RSS bytes per actor (median, spread) |"
echo "|---|---:|---:|"
echo "| through the registry (actor + registry entry) | $(cell registry,heap) | $(cell registry,rss) |"
echo "| straight from the actor system (reference) | $(cell bare,heap) | $(cell bare,rss) |"
echo
echo "Registry bookkeeping per actor (heap): $(cell bookkeeping) bytes"
