#!/usr/bin/env bash
# Gatehouse beside nginx's `return 200` (worker_processes auto) on the same box in the same run,
# with wrk, in interleaved rounds (nginx, then each Gatehouse route, then nginx again ...), so a
# shift of the machine's speed moves the reference with us:
#   - GET /healthz;
#   - GET /api/v1/users/me with a bearer token (JWT check in the gateway + identity actor, which
#     reads the profile from PostgreSQL and keeps it for 2 s);
#   - a login storm (argon2id on every request) and /healthz latency while it runs.
# Gatehouse runs with its defaults (JSON access log on, written to a file).
# Prints each round, then the median req/s and the median ratio to nginx with its spread
# (lowest–highest round).
#
#   bench/gateway.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 64 connections, 2 threads)
#   GH_BENCH_ROUNDS=N                            rounds (default 3)
#   GATEHOUSE_BIN=path                           this binary instead of building build/release
#   GATEHOUSE_BASELINE_BIN=path                  also measure this binary (another build, say
#                                                the previous commit's) in the same rounds
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-64}"
rounds="${GH_BENCH_ROUNDS:-3}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}"
bench_release_gatehouse
baseline="${GATEHOUSE_BASELINE_BIN:-}"

work="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""; base_pid=""
cleanup() {
  if [ -n "$base_pid" ]; then
    kill "$base_pid" 2>/dev/null || true
    gh_wait_dead "$base_pid" 10 || kill -9 "$base_pid" 2>/dev/null || true
  fi
  bench_cleanup
}
trap cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

# start_gatehouse BINARY NAME: starts it on a free port; sets started_port and started_pid.
start_gatehouse() {
  started_port=$(gh_free_port)
  mkdir -p "$work/$2"
  GATEHOUSE_LISTEN="127.0.0.1:$started_port" GATEHOUSE_DATA_DIR="$work/$2" \
    GATEHOUSE_LOGIN_RATE=1000000 GATEHOUSE_REGISTER_RATE=1000000 \
    "$1" serve >"$work/$2.out" 2>"$work/$2.err" &
  started_pid=$!
}
start_gatehouse "$gatehouse" gatehouse
gh_port=$started_port gh_pid=$started_pid

nginx_port=$(gh_free_port)
bench_nginx "$nginx_port" "" "location / { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
bench_wait_ready "$gh_port"
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || gh_die "nginx did not come up"

# measure NAME CONNECTIONS URL [wrk args...] -> "rps p50 p99 non2xx"
measure() {
  local name="$1" conns="$2" url="$3"
  shift 3
  wrk -t2 -c"$conns" -d1s "$@" "$url" >/dev/null 2>&1 # warm-up
  wrk -t2 -c"$conns" -d"${duration}s" --latency "$@" "$url" >"$work/$name.wrk" 2>&1
  summarize "$name"
}
summarize() { wrk_summary "$work/$1.wrk"; }

# token PORT: registers a user on the Gatehouse at PORT and prints its access token.
password="bench password $(date +%s)"
token_of() {
  local body="{\"email\":\"bench-$(date +%s%N)@example.com\",\"password\":\"$password\"}" t
  t=$(curl -fs -X POST -H 'Content-Type: application/json' -d "$body" \
    "http://127.0.0.1:$1/api/v1/auth/register" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  [ -n "$t" ] || gh_die "cannot register the benchmark user"
  echo "$t"
}
token=$(token_of "$gh_port")

targets=(healthz me)
if [ -n "$baseline" ]; then
  # The baseline shares the services (its own data dir; the same migrations apply to both).
  start_gatehouse "$baseline" baseline
  base_port=$started_port base_pid=$started_pid
  gh_pid_saved=$gh_pid; gh_pid=$base_pid
  bench_wait_ready "$base_port"
  gh_pid=$gh_pid_saved
  base_token=$(token_of "$base_port")
  targets+=(base-healthz base-me)
fi

declare -A rps p50 p99 ratios
for round in $(seq 1 "$rounds"); do
  read -r r a b _ < <(measure "nginx-$round" "$connections" "http://127.0.0.1:$nginx_port/")
  rps[nginx]+="$r "; p50[nginx]+="$a "; p99[nginx]+="$b "
  nginx_rps=$r
  for t in "${targets[@]}"; do
    case "$t" in
      healthz) args=("http://127.0.0.1:$gh_port/healthz") ;;
      me) args=("http://127.0.0.1:$gh_port/api/v1/users/me" -H "Authorization: Bearer $token") ;;
      base-healthz) args=("http://127.0.0.1:$base_port/healthz") ;;
      base-me) args=("http://127.0.0.1:$base_port/api/v1/users/me" -H "Authorization: Bearer $base_token") ;;
    esac
    read -r r a b bad < <(measure "$t-$round" "$connections" "${args[@]}")
    [ "$bad" = "0" ] || gh_die "non-2xx answers during round $round of $t: $bad"
    rps[$t]+="$r "; p50[$t]+="$a "; p99[$t]+="$b "
    ratios[$t]+="$(ratio "$r" "$nginx_rps" 4) "
  done
  echo "round $round: nginx $nginx_rps req/s$(for t in "${targets[@]}"; do
    printf ', %s %s' "$t" "$(awk '{print $NF}' <<<"${rps[$t]}")"; done)" >&2
done

# Login storm: 16 connections logging in (argon2id each) while 8 others ask /healthz.
read -r q_rps q_p50 q_p99 _ < <(measure healthz-quiet 8 "http://127.0.0.1:$gh_port/healthz")
export GH_BENCH_LOGIN_BODY="{\"email\":\"storm-$(date +%s%N)@example.com\",\"password\":\"$password\"}"
curl -fs -X POST -H 'Content-Type: application/json' -d "$GH_BENCH_LOGIN_BODY" \
  "http://127.0.0.1:$gh_port/api/v1/auth/register" >/dev/null
wrk -t1 -c16 -d"$((duration + 2))s" --latency -s bench/login.lua "http://127.0.0.1:$gh_port/api/v1/auth/login" \
  >"$work/storm.wrk" 2>&1 &
storm_pid=$!
sleep 1
wrk -t1 -c8 -d"${duration}s" --latency "http://127.0.0.1:$gh_port/healthz" >"$work/healthz-storm.wrk" 2>&1
wait "$storm_pid"
read -r s_rps s_p50 s_p99 _ < <(summarize healthz-storm)
read -r l_rps l_p50 l_p99 l_bad < <(summarize storm)

label() {
  case "$1" in
    nginx) echo "nginx-light (worker_processes auto) | return 200" ;;
    healthz) echo "gatehouse | GET /healthz" ;;
    me) echo "gatehouse | GET /api/v1/users/me, bearer JWT (identity actor, profile cached 2 s)" ;;
    base-healthz) echo "baseline ($baseline) | GET /healthz" ;;
    base-me) echo "baseline ($baseline) | GET /api/v1/users/me, bearer JWT" ;;
  esac
}
# shellcheck disable=SC2086 # the lists are space-separated numbers
row() {
  local t="$1" r
  if [ "$t" = nginx ]; then r="1.00 | –"; else
    r="$(median ${ratios[$t]} | awk '{printf "%.2f", $1}') | $(spread ${ratios[$t]})"
  fi
  echo "| $(label "$t") | $(median ${rps[$t]} | awk '{printf "%.0f", $1}') | $(median ${p50[$t]}) ms | $(median ${p99[$t]}) ms | $r |"
}

echo
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, $rounds interleaved rounds in one run"
echo
echo "| target | route | req/s (median) | p50 (median) | p99 (median) | vs nginx (median) | spread |"
echo "|---|---|---:|---:|---:|---:|---:|"
row nginx
for t in "${targets[@]}"; do row "$t"; done
echo
echo "Login storm (argon2id m=19 MiB t=2 on every login; 16 connections) beside 8 connections on /healthz:"
echo
echo "| measurement | req/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
echo "| /healthz, quiet (-c8) | $q_rps | $q_p50 ms | $q_p99 ms |"
echo "| /healthz during the storm (-c8) | $s_rps | $s_p50 ms | $s_p99 ms |"
echo "| POST /api/v1/auth/login, the storm ($l_bad non-2xx) | $l_rps | $l_p50 ms | $l_p99 ms |"
