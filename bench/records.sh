#!/usr/bin/env bash
# Records through Gatehouse beside the same statements sent straight to PostgreSQL, on the same
# box in the same run, in interleaved rounds (direct create, Gatehouse create, direct read,
# Gatehouse read, then again), so the gateway's own cost shows as a ratio:
#   - create: POST /api/v1/collections/bench/records (wrk, bench/records_create.lua, bearer
#     tokens of GH_BENCH_USERS users in turn) beside bench/records_load.cpp running that route's
#     transaction (tenant entry, record INSERT, outbox row, audit row) over as many connections
#     as Gatehouse's pool has (GATEHOUSE_PG_POOL_SIZE, 4);
#   - read by id: GET /api/v1/collections/bench/records/{id} (wrk) beside the route's
#     transaction (tenant entry, SELECT) over the same number of connections.
# Gatehouse runs with its defaults (access log on, written to a file); its outbox relay
# publishes the rows of both sides to NATS in the background.
#
#   bench/records.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 32 wrk connections, 2 threads)
#   GH_BENCH_ROUNDS=N                            rounds (default 3)
#   GH_BENCH_USERS=N                             users whose tokens the creates rotate (64)
#   GATEHOUSE_BIN=path                           this binary instead of building build/release
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-32}"
rounds="${GH_BENCH_ROUNDS:-3}"
users="${GH_BENCH_USERS:-64}"
pool="${GATEHOUSE_PG_POOL_SIZE:-4}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}"
bench_release_gatehouse
client=build/bench/records_load
bench_client records_load libpqxx libpq

work="$(mktemp -d /tmp/gatehouse-records.XXXXXX)"
chmod 755 "$work"
gh_pid=""
trap bench_cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

# A copy, so a build relinking the binary meanwhile cannot touch this run.
cp "$gatehouse" "$work/gatehouse"
gh_port=$(gh_free_port)
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
  GATEHOUSE_REGISTER_RATE=1000000 GATEHOUSE_PG_POOL_SIZE="$pool" \
  "$work/gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!
bench_wait_ready "$gh_port"
base="http://127.0.0.1:$gh_port"

gh_log "registering $users users"
: >"$work/tokens"
: >"$work/ids"
for i in $(seq 1 "$users"); do
  answer=$(curl -fs -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$i-$(date +%s%N)@example.com\",\"password\":\"bench password $i\"}" \
    "$base/api/v1/auth/register") || gh_die "cannot register benchmark user $i"
  sed -E 's/.*"access_token":"([^"]+)".*/\1/' <<<"$answer" >>"$work/tokens"
  grep -o '"id":"[0-9a-f-]\{36\}"' <<<"$answer" | head -1 | cut -d'"' -f4 >>"$work/ids"
done
token=$(head -1 "$work/tokens")
record=$(curl -fs -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  -d '{"data":{"title":"bench","n":1,"tags":["a","b"]}}' "$base/api/v1/collections/bench/records" |
  grep -o '"id":"[0-9a-f-]\{36\}"' | head -1 | cut -d'"' -f4)
[ -n "$record" ] || gh_die "cannot create the record to read"
export GH_BENCH_TOKENS="$work/tokens"

# direct MODE SECONDS -> "ops/s p50 p99"
direct() {
  local line
  line=$("$client" "$1" --database-url "$DATABASE_URL" --users "$work/ids" --seconds "$2" \
    --connections "$pool" --record "$record") || gh_die "records_load $1 failed"
  echo "$(field rate "$line") $(field p50_ms "$line") $(field p99_ms "$line")"
}
# through MODE SECONDS NAME -> "req/s p50 p99 non2xx"
through() {
  local args
  if [ "$1" = create ]; then args=(-s bench/records_create.lua "$base/")
  else args=(-H "Authorization: Bearer $token" "$base/api/v1/collections/bench/records/$record"); fi
  wrk -t2 -c"$connections" -d"$2s" --latency "${args[@]}" >"$work/$3.wrk" 2>&1
  wrk_summary "$work/$3.wrk"
}

gh_log "warming up"
direct create 1 >/dev/null; through create 1 warm-create >/dev/null
direct read 1 >/dev/null; through read 1 warm-read >/dev/null

declare -A rps p50 p99 ratios
for round in $(seq 1 "$rounds"); do
  for mode in create read; do
    read -r r a b < <(direct "$mode" "$duration")
    rps[direct-$mode]+="$r "; p50[direct-$mode]+="$a "; p99[direct-$mode]+="$b "
    direct_rps=$r
    read -r r a b bad < <(through "$mode" "$duration" "$mode-$round")
    [ "$bad" = "0" ] || gh_die "non-2xx answers during round $round of $mode: $bad"
    rps[gh-$mode]+="$r "; p50[gh-$mode]+="$a "; p99[gh-$mode]+="$b "
    ratios[gh-$mode]+="$(ratio "$r" "$direct_rps" 4) "
  done
  echo "round $round: create direct $(awk '{print $NF}' <<<"${rps[direct-create]}")/s," \
    "gatehouse $(awk '{print $NF}' <<<"${rps[gh-create]}")/s; read direct" \
    "$(awk '{print $NF}' <<<"${rps[direct-read]}")/s, gatehouse $(awk '{print $NF}' <<<"${rps[gh-read]}")/s" >&2
done

label() {
  case "$1" in
    direct-create) echo "PostgreSQL direct (libpqxx, $pool connections) | create: entry + INSERT + outbox + audit" ;;
    gh-create) echo "Gatehouse (wrk -c$connections) | POST /api/v1/collections/bench/records" ;;
    direct-read) echo "PostgreSQL direct (libpqxx, $pool connections) | read by id: entry + SELECT" ;;
    gh-read) echo "Gatehouse (wrk -c$connections) | GET /api/v1/collections/bench/records/{id}" ;;
  esac
}
# shellcheck disable=SC2086 # the lists are space-separated numbers
row() {
  local t="$1" r
  case "$t" in
    direct-*) r="1.00 | –" ;;
    *) r="$(median ${ratios[$t]} | awk '{printf "%.2f", $1}') | $(spread ${ratios[$t]})" ;;
  esac
  echo "| $(label "$t") | $(median ${rps[$t]} | awk '{printf "%.0f", $1}') | $(median ${p50[$t]}) ms | $(median ${p99[$t]}) ms | $r |"
}

echo
echo "$duration s per measurement, loopback, $(nproc) cores, $rounds interleaved rounds in one run"
echo
echo "| side | operation | per second (median) | p50 (median) | p99 (median) | vs direct (median) | spread |"
echo "|---|---|---:|---:|---:|---:|---:|"
for t in direct-create gh-create direct-read gh-read; do row "$t"; done
