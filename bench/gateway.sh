#!/usr/bin/env bash
# Gatehouse beside nginx's `return 200` (worker_processes auto) on the same box in the same run,
# in interleaved rounds (nginx, then each Gatehouse route, then nginx again ...), so a shift of
# the machine's speed moves the reference with us:
#   - throughput with wrk (closed loop, $CONNECTIONS connections): GET /healthz, and
#     GET /api/v1/users/me with a bearer token and with a session cookie (the token checked on
#     the io thread, the profile from the cache the identity actor fills);
#   - latency at fixed rates with bench/latency_load (open loop, latency from each request's
#     due time), at shares of nginx's median throughput;
#   - a login storm (argon2id on every request) and /healthz latency while it runs.
# Gatehouse runs with its defaults (JSON access log on, written to a file).
# Prints each run, then the medians, and each target's median ratio to nginx with its spread
# (lowest–highest round).
#
#   bench/gateway.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 64 connections, 2 threads)
#   GH_BENCH_ROUNDS=N                            rounds (default 3)
#   GH_BENCH_LATENCY_SHARES="0.25 0.5"           fixed rates, as shares of nginx's median req/s
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
# A browser's session: the cookies of a registration with "session":"cookie".
curl -fs -X POST -H 'Content-Type: application/json' -c "$work/cookie.jar" \
  -d "{\"email\":\"bench-cookie-$(date +%s%N)@example.com\",\"password\":\"$password\",\"session\":\"cookie\"}" \
  "http://127.0.0.1:$gh_port/api/v1/auth/register" >/dev/null
cookie=$(bench_cookie_header "$work/cookie.jar")
[ -n "$cookie" ] || gh_die "no session cookie"
curl -fs -H "Cookie: $cookie" "http://127.0.0.1:$gh_port/api/v1/users/me" >/dev/null ||
  gh_die "the cookie session does not answer"

targets=(healthz me cookie)
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

# target_of NAME: sets `port`, `path` and `header` (one "Name: value" or empty) for a target.
target_of() {
  header=""
  case "$1" in
    nginx) port=$nginx_port path=/ ;;
    healthz) port=$gh_port path=/healthz ;;
    me) port=$gh_port path=/api/v1/users/me header="Authorization: Bearer $token" ;;
    cookie) port=$gh_port path=/api/v1/users/me header="Cookie: $cookie" ;;
    base-healthz) port=$base_port path=/healthz ;;
    base-me) port=$base_port path=/api/v1/users/me header="Authorization: Bearer $base_token" ;;
  esac
}
# measure_target NAME ROUND -> "rps p50 p99 non2xx", with wrk at $connections.
measure_target() {
  target_of "$1"
  local args=("http://127.0.0.1:$port$path")
  [ -z "$header" ] || args+=(-H "$header")
  measure "$1-$2" "$connections" "${args[@]}"
}

# Throughput: each round is nginx, then every Gatehouse target; one more nginx run closes the
# last round. A target's ratio is to the mean of the nginx runs before and after its round, so
# a drift of the machine's speed within a round moves the reference with it.
declare -A rps p50 p99 ratios now
nginx_runs=()
for round in $(seq 1 "$rounds"); do
  read -r r a b _ < <(measure_target nginx "$round")
  rps[nginx]+="$r "; p50[nginx]+="$a "; p99[nginx]+="$b "
  nginx_runs+=("$r")
  for t in "${targets[@]}"; do
    read -r r a b bad < <(measure_target "$t" "$round")
    [ "$bad" = "0" ] || gh_die "non-2xx answers during round $round of $t: $bad"
    rps[$t]+="$r "; p50[$t]+="$a "; p99[$t]+="$b "
    now[$t-$round]=$r
  done
  echo "round $round: nginx $(awk '{print $NF}' <<<"${rps[nginx]}") req/s$(for t in "${targets[@]}"; do
    printf ', %s %s' "$t" "${now[$t-$round]}"; done)" >&2
done
read -r r _ < <(measure_target nginx "$((rounds + 1))")
nginx_runs+=("$r")
echo "closing nginx run: $r req/s" >&2
for round in $(seq 1 "$rounds"); do
  reference=$(awk -v a="${nginx_runs[$((round - 1))]}" -v b="${nginx_runs[$round]}" 'BEGIN { print (a + b) / 2 }')
  for t in "${targets[@]}"; do ratios[$t]+="$(ratio "${now[$t-$round]}" "$reference" 4) "; done
done

# Latency at fixed rates: wrk is closed-loop (a stalled answer just means fewer requests), so its
# p99 at saturation measures the queue more than the server. bench/latency_load sends at a fixed
# rate over $connections connections and counts each latency from the request's due time (the
# way wrk2 does), at shares of nginx's median throughput above: the same offered load for each.
bench_client latency_load
# shellcheck disable=SC2086 # a space-separated list
nginx_median=$(median ${rps[nginx]})
read -r -a shares <<<"${GH_BENCH_LATENCY_SHARES:-0.25 0.5}"
latency_targets=(nginx "${targets[@]}")
declare -A lat_p50 lat_p99 lat_p999 lat_max rates
for share in "${shares[@]}"; do
  rates[$share]=$(awk -v m="$nginx_median" -v s="$share" 'BEGIN { printf "%d", int(m * s / 1000 + 0.5) * 1000 }')
done
for round in $(seq 1 "$rounds"); do
  for share in "${shares[@]}"; do
    rate=${rates[$share]}
    for t in "${latency_targets[@]}"; do
      target_of "$t"
      extra=()
      [ -z "$header" ] || extra=(--header "$header")
      line=$(build/bench/latency_load --port "$port" --path "$path" "${extra[@]}" \
        --connections "$connections" --rate "$rate" --seconds "$duration") ||
        gh_die "fixed-rate run of $t at $rate req/s failed: $line"
      lat_p50[$share-$t]+="$(field p50_ms "$line") "; lat_p99[$share-$t]+="$(field p99_ms "$line") "
      lat_p999[$share-$t]+="$(field p999_ms "$line") "; lat_max[$share-$t]+="$(field max_ms "$line") "
      echo "latency round $round, $t at $rate req/s: $line" >&2
    done
  done
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
    me) echo "gatehouse | GET /api/v1/users/me, bearer JWT (EdDSA), profile cache, on the io thread" ;;
    cookie) echo "gatehouse | GET /api/v1/users/me, session cookie, profile cache, on the io thread" ;;
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
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, $rounds interleaved rounds in one run;"
echo "each ratio to the mean of the nginx runs before and after its round"
echo
echo "| target | route | req/s (median) | p50 (median) | p99 (median) | vs nginx (median) | spread |"
echo "|---|---|---:|---:|---:|---:|---:|"
row nginx
for t in "${targets[@]}"; do row "$t"; done
echo
echo "Latency at a fixed rate (bench/latency_load, $connections connections, ${duration} s per run, from each"
echo "request's due time; medians of $rounds interleaved rounds):"
echo
echo "| offered load | target | route | p50 | p99 | p99.9 | max |"
echo "|---|---|---|---:|---:|---:|---:|"
for share in "${shares[@]}"; do
  for t in "${latency_targets[@]}"; do
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    echo "| ${rates[$share]} req/s ($share × nginx) | $(label "$t") | $(median ${lat_p50[$share-$t]}) ms |" \
      "$(median ${lat_p99[$share-$t]}) ms | $(median ${lat_p999[$share-$t]}) ms | $(median ${lat_max[$share-$t]}) ms |"
  done
done
echo
echo "Login storm (argon2id m=19 MiB t=2 on every login; 16 connections) beside 8 connections on /healthz:"
echo
echo "| measurement | req/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
echo "| /healthz, quiet (-c8) | $q_rps | $q_p50 ms | $q_p99 ms |"
echo "| /healthz during the storm (-c8) | $s_rps | $s_p50 ms | $s_p99 ms |"
echo "| POST /api/v1/auth/login, the storm ($l_bad non-2xx) | $l_rps | $l_p50 ms | $l_p99 ms |"
