#!/usr/bin/env bash
# Gatehouse beside nginx's `return 200` on the same box in the same run, with wrk:
#   - GET /healthz (router + one actor hop);
#   - GET /api/v1/users/me with a bearer token (JWT check in the gateway + identity actor, which
#     reads the profile from PostgreSQL and keeps it for 2 s);
#   - a login storm (argon2id on every request) and /healthz latency while it runs.
# Gatehouse runs with its defaults (JSON access log on, written to a file).
# Prints a Markdown table with req/s, p50, p99 and the ratio to nginx.
#
#   bench/gateway.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 64 connections, 2 threads)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-64}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}"
gh_build build/release Release -DGATEHOUSE_TESTS=OFF

work="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""
trap bench_cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

gh_port=$(gh_free_port)
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_LOGIN_RATE=1000000 \
  build/release/gateway/gatehouse serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!

nginx_port=$(gh_free_port)
bench_nginx "$nginx_port" "" "location / { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"

bench_wait_ready "$gh_port"
curl -fs "http://127.0.0.1:$gh_port/healthz" >/dev/null || gh_die "Gatehouse did not come up"
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || gh_die "nginx did not come up"

# measure NAME CONNECTIONS URL [wrk args...] -> "rps p50 p99 non2xx"
measure() {
  local name="$1" conns="$2" url="$3"
  shift 3
  wrk -t2 -c"$conns" -d1s "$@" "$url" >/dev/null 2>&1 # warm-up
  wrk -t2 -c"$conns" -d"${duration}s" --latency "$@" "$url" >"$work/$name.wrk" 2>&1
  summarize "$name"
}
summarize() {
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.wrk")
  bad=$(awk '/Non-2xx/ {print $5}' "$work/$1.wrk")
  echo "${rps:--} ${p50:--} ${p99:--} ${bad:-0}"
}

# A user to sign in as, and their access token.
password="bench password $(date +%s)"
email="bench-$(date +%s%N)@example.com"
login_body="{\"email\":\"$email\",\"password\":\"$password\"}"
token=$(curl -fs -X POST -H 'Content-Type: application/json' -d "$login_body" \
  "http://127.0.0.1:$gh_port/api/v1/auth/register" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
[ -n "$token" ] || gh_die "cannot register the benchmark user"

read -r n_rps n_p50 n_p99 _ < <(measure nginx "$connections" "http://127.0.0.1:$nginx_port/")
read -r g_rps g_p50 g_p99 g_bad < <(measure healthz "$connections" "http://127.0.0.1:$gh_port/healthz")
read -r m_rps m_p50 m_p99 m_bad < <(measure me "$connections" "http://127.0.0.1:$gh_port/api/v1/users/me" \
  -H "Authorization: Bearer $token")
[ "$g_bad" = "0" ] && [ "$m_bad" = "0" ] || gh_die "non-2xx answers during the run: healthz $g_bad, users/me $m_bad"

# Login storm: 16 connections logging in (argon2id each) while 8 others ask /healthz.
read -r q_rps q_p50 q_p99 _ < <(measure healthz-quiet 8 "http://127.0.0.1:$gh_port/healthz")
export GH_BENCH_LOGIN_BODY="$login_body"
wrk -t1 -c16 -d"$((duration + 2))s" --latency -s bench/login.lua "http://127.0.0.1:$gh_port/api/v1/auth/login" \
  >"$work/storm.wrk" 2>&1 &
storm_pid=$!
sleep 1
wrk -t1 -c8 -d"${duration}s" --latency "http://127.0.0.1:$gh_port/healthz" >"$work/healthz-storm.wrk" 2>&1
wait "$storm_pid"
read -r s_rps s_p50 s_p99 _ < <(summarize healthz-storm)
read -r l_rps l_p50 l_p99 l_bad < <(summarize storm)

echo
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, same run"
echo
echo "| target | route | req/s | p50 | p99 | vs nginx |"
echo "|---|---|---:|---:|---:|---:|"
echo "| nginx-light | return 200 | $n_rps | $n_p50 | $n_p99 | 1.00 |"
echo "| gatehouse | GET /healthz (router + ops actor) | $g_rps | $g_p50 | $g_p99 | $(ratio "$g_rps" "$n_rps" 2) |"
echo "| gatehouse | GET /api/v1/users/me, bearer JWT (+ identity actor, profile cached 2 s) | $m_rps | $m_p50 | $m_p99 | $(ratio "$m_rps" "$n_rps" 2) |"
echo
echo "Login storm (argon2id m=19 MiB t=2 on every login; 16 connections) beside 8 connections on /healthz:"
echo
echo "| measurement | req/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
echo "| /healthz, quiet (-c8) | $q_rps | $q_p50 | $q_p99 |"
echo "| /healthz during the storm (-c8) | $s_rps | $s_p50 | $s_p99 |"
echo "| POST /api/v1/auth/login, the storm ($l_bad non-2xx) | $l_rps | $l_p50 | $l_p99 |"
