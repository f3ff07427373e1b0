#!/usr/bin/env bash
# WebSockets at scale: Gatehouse's memory per open, authenticated WebSocket and the time one push
# takes to reach all of them, beside a bare Beast WebSocket server measured the same way in the
# same run (the reference: `bench/ws_load serve`, Beast sessions built like Gatehouse's with no
# authentication, logs, sinks registry or JSON; see the top of bench/ws_load.cpp).
#
# Users: N/K users, K sockets each (K = GH_WS_SOCKETS_PER_USER, default 10: a user with several
# tabs and devices), registered once through POST /api/v1/auth/register and shared by the rounds.
# Each socket authenticates with the subprotocols `bearer, <access JWT>`. Rounds (GH_BENCH_ROUNDS,
# default 3) interleave the two servers: the reference, then Gatehouse, each freshly started, each
# climbing the steps (default 2000,5000,10000,18000: this box allows 20,000 open files per
# process). At each step VmRSS of the server is read from /proc/<pid>/status; then
# GH_WS_PUSHES (default 3) times one event per user is published on NATS (for Gatehouse a
# `user.updated` envelope on the subject its push subscription reads, so each frame goes the real
# way from NATS on: decode, the user's sinks, a post to each connection's io thread, the queue,
# the write) and the clock runs until the last socket got its frame.
#
# Replicas (GH_WS_REPLICAS, default 1): R processes of each server share one port through
# SO_REUSEPORT, as replicas behind one address do, so N can pass one process's 20,000 open files
# (e.g. GH_WS_REPLICAS=6 and steps up to 100000); RSS is the sum over the R processes and every
# process gets every event (Gatehouse replicas all read the push subject).
#
# Prints each round's steps, then per step the median over rounds of RSS and KB per connection
# ((RSS with N sockets after the pushes - RSS before any socket) / N), the marginal KB per
# connection between steps, and the median and spread of every push's time; then 100k
# projected from the slope between the smallest and the largest step.
#
#   bench/ws_scale.sh [STEPS]       e.g. 2000,5000,10000,18000
#   GH_BENCH_ROUNDS=N GH_WS_PUSHES=N GH_WS_SOCKETS_PER_USER=K GH_WS_REPLICAS=R GATEHOUSE_BIN=path
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

steps="${1:-2000,5000,10000,18000}"
rounds="${GH_BENCH_ROUNDS:-3}"
pushes="${GH_WS_PUSHES:-3}"
per_user="${GH_WS_SOCKETS_PER_USER:-10}"
replicas="${GH_WS_REPLICAS:-1}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}"
if [ -z "${GATEHOUSE_BIN:-}" ]; then
  gh_build build/release Release -DGATEHOUSE_TESTS=OFF
  gatehouse=build/release/gateway/gatehouse
else
  bench_find_gatehouse
fi
bench_client ws_load libnats
IFS=, read -r -a step_list <<<"$steps"
max="${step_list[-1]}"
users=$(((max + per_user - 1) / per_user))
# Each process's connection limit: its share and room for the kernel's uneven spread, below the
# 20,000 open files a process may have here.
per_replica=$((max / replicas + (replicas > 1 ? 2000 : 500)))
[ "$per_replica" -le 19000 ] || gh_die "$max sockets need more than one process each can hold: raise GH_WS_REPLICAS"

work="$(mktemp -d /tmp/gatehouse-ws-bench.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""; ref_pids=(); gh_pids=()
cleanup() {
  bench_stop "${ref_pids[@]}" "${gh_pids[@]}"
  bench_cleanup
}
trap cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

# start_gatehouse [R]: R (default $replicas) fresh processes on one port, the same database and
# data dir (so the signing keys, and with them the users' tokens, stay valid), each started once
# the one before listens; sets gh_port, gh_pids and gh_pid (the first).
start_gatehouse() {
  local count="${1:-$replicas}" i
  gh_port=$(gh_free_port)
  gh_pids=()
  for i in $(seq 1 "$count"); do
    local log="$work/gatehouse.$i.log"
    : >"$log"
    GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
      GATEHOUSE_INSTANCE_ID="ws-bench-$i" \
      GATEHOUSE_REGISTER_RATE=1000000 GATEHOUSE_MAX_CONNECTIONS=$per_replica \
      GATEHOUSE_WS_PER_USER=$((per_user > 32 ? per_user : 32)) GATEHOUSE_ACCESS_TOKEN_TTL=4h \
      GATEHOUSE_SHUTDOWN_GRACE=2s \
      "$gatehouse" serve >"$log" 2>>"$work/gatehouse.err" &
    gh_pids+=($!)
    gh_pid=$!
    for _ in $(seq 1 150); do
      grep -q "Gatehouse listening on" "$log" && break
      gh_alive "$gh_pid" || break
      sleep 0.1
    done
    grep -q "Gatehouse listening on" "$log" || { cat "$log" >&2; gh_die "Gatehouse replica $i did not start"; }
    cat "$log" >>"$work/gatehouse.out"
  done
  gh_pid="${gh_pids[0]}"
  bench_wait_ready "$gh_port"
}

# start_reference: $replicas bare servers on one port; sets ref_port and ref_pids.
start_reference() {
  local i
  ref_port=$(gh_free_port)
  ref_pids=()
  for i in $(seq 1 "$replicas"); do
    build/bench/ws_load serve --port "$ref_port" --nats "$NATS_URL" --subject "bench.wsref" \
      >"$work/ref.out" 2>"$work/ref.err" &
    ref_pids+=($!)
    for _ in $(seq 1 50); do grep -q ready "$work/ref.out" && break; sleep 0.1; done
    grep -q ready "$work/ref.out" || gh_die "the reference server did not start: $(cat "$work/ref.err")"
  done
}

start_gatehouse 1
gh_log "registering $users users (argon2id each)"
build/bench/ws_load register --port "$gh_port" --users "$users" --out "$work/users" --concurrency 4
tenant=$(psql "$DATABASE_URL" -qAtX -c "SELECT tenant_id FROM users WHERE id = '$(head -c 36 "$work/users")'")
[ -n "$tenant" ] || gh_die "cannot read the users' tenant"
bench_stop "${gh_pids[@]}"; gh_pids=(); gh_pid=""

# run SIDE ROUND PID PORT [ws_load args...]: climbs the steps against one server; appends
# "SIDE step ..." lines to $work/results.
run() {
  local side="$1" round="$2" pid="$3" port="$4"
  shift 4
  if ! build/bench/ws_load run --port "$port" --pid "$pid" --steps "$steps" --per-user "$per_user" \
    --pushes "$pushes" --nats "$NATS_URL" "$@" >"$work/run.out"; then
    bench_logs
    gh_die "the $side run of round $round failed"
  fi
  sed "s/^/round $round $side: /" "$work/run.out" >&2
  sed "s/^/$side /" "$work/run.out" >>"$work/results"
}

: >"$work/results"
for round in $(seq 1 "$rounds"); do
  start_reference
  run reference "$round" "$(IFS=,; echo "${ref_pids[*]}")" "$ref_port" --reference bench.wsref \
    --source "127.$round.1"
  bench_stop "${ref_pids[@]}"; ref_pids=()

  start_gatehouse
  run gatehouse "$round" "$(IFS=,; echo "${gh_pids[*]}")" "$gh_port" --users-file "$work/users" \
    --tenant "$tenant" --source "127.$round.2"
  bench_stop "${gh_pids[@]}"; gh_pids=(); gh_pid=""
done

# values SIDE N FIELD: that field of every round's line for step N.
values() { awk -v s="$1" -v n="n=$2" '$1 == s && $3 == n' "$work/results" | while read -r line; do field "$3" "$line"; done; }
# kb_per_conn SIDE N: (rss_kb - rss_idle_kb) / N of each round.
kb_per_conn() {
  awk -v s="$1" -v n="$2" '$1 == s && $3 == "n=" n {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%.2f\n", (v["rss_kb"] - v["rss_idle_kb"]) / n }' "$work/results"
}
pushes_of() { values "$1" "$2" push_ms | tr ',' '\n'; }
# shellcheck disable=SC2046 # the lists are whitespace-separated numbers
mb() { awk -v k="$(median $(values "$1" "$2" "$3"))" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo
echo "ws_load, loopback, $(nproc) cores, $users users × $per_user sockets, $replicas process(es) per server," \
  "$rounds interleaved rounds" \
  "(reference, then Gatehouse, fresh processes), $pushes pushes per step and round"
echo
echo "| N sockets | users | server | RSS before (MB) | RSS with N (MB) | KB per connection (median) | spread | KB per connection, marginal | push to all, ms (median) | spread |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
declare -A rss_at push_at
for side in gatehouse reference; do
  prev_n=0; prev_rss=""
  for n in "${step_list[@]}"; do
    # shellcheck disable=SC2046
    rss=$(median $(values "$side" "$n" rss_kb))
    # shellcheck disable=SC2046
    idle=$(median $(values "$side" "$n" rss_idle_kb))
    [ -n "$prev_rss" ] || prev_rss=$idle
    marginal=$(awk -v a="$rss" -v b="$prev_rss" -v n="$n" -v p="$prev_n" 'BEGIN { printf "%.2f", (a - b) / (n - p) }')
    # shellcheck disable=SC2046
    push=$(median $(pushes_of "$side" "$n"))
    rss_at[$side,$n]=$rss; push_at[$side,$n]=$push
    # shellcheck disable=SC2046
    echo "| $n | $((n / per_user)) | $side | $(mb "$side" "$n" rss_idle_kb) | $(mb "$side" "$n" rss_kb) |" \
      "$(median $(kb_per_conn "$side" "$n") | awk '{printf "%.2f", $1}') | $(spread $(kb_per_conn "$side" "$n")) |" \
      "$marginal | $(awk -v p="$push" 'BEGIN { printf "%.1f", p }') | $(spread $(pushes_of "$side" "$n")) |"
    prev_n=$n; prev_rss=$rss
  done
done

first="${step_list[0]}"
[ "$first" != "$max" ] || exit 0 # one step: no slope to project from
echo
echo "Projection to 100,000 sockets from the slope between $first and $max (same medians):"
echo
echo "| server | KB per added connection | RSS at 100k (MB) | push to all at 100k (ms, linear) |"
echo "|---|---:|---:|---:|"
for side in gatehouse reference; do
  awk -v a="${rss_at[$side,$first]}" -v b="${rss_at[$side,$max]}" -v p="${push_at[$side,$first]}" \
    -v q="${push_at[$side,$max]}" -v lo="$first" -v hi="$max" -v s="$side" 'BEGIN {
      slope = (b - a) / (hi - lo); pslope = (q - p) / (hi - lo)
      printf "| %s | %.2f | %.0f | %.0f |\n", s, slope, (b + slope * (100000 - hi)) / 1024, q + pslope * (100000 - hi) }'
done
