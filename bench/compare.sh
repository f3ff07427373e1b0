#!/usr/bin/env bash
# The same authenticated GET /api/v1/users/me in Gatehouse and in what its users would otherwise
# write, beside nginx's `return 200`, on the same box in the same run, with wrk in interleaved
# rounds (nginx, Gatehouse bearer, Gatehouse cookie, Fastify, FastAPI, then nginx again ...):
#   - Gatehouse (its defaults; JSON access log on, written to a file): the JWT check (EdDSA) and
#     the profile cache, on the io thread that read the request;
#   - Fastify 5 + jose (npm), 2 processes: node's cluster with SCHED_NONE, both workers accepting
#     on one shared socket (bench/compare/fastify/server.js);
#   - FastAPI + uvicorn (Debian's python3-fastapi, python3-uvicorn with uvloop and httptools,
#     python3-jwt), 2 workers (bench/compare/fastapi_app.py);
# The alternatives verify the very token Gatehouse issued against Gatehouse's JWKS (signature,
# iss, aud, exp and the required claims) and answer Gatehouse's own profile body from an
# in-process cache. Prints each round, then the median req/s, p50 and p99 and the median ratio
# to nginx and to Gatehouse (bearer) with its spread (lowest–highest round).
#
#   bench/compare.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 64 connections, wrk -t2)
#   GH_BENCH_ROUNDS=N                            rounds (default 3)
#   GATEHOUSE_BIN=path                           this binary instead of building build/release
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-64}"
rounds="${GH_BENCH_ROUNDS:-3}"
# Debian's Python stack (run with /usr/bin/python3: a python3 earlier on PATH, pyenv's say,
# does not see Debian's modules) and Node.js for Fastify (its npm comes with it; Debian's npm
# package would conflict with a nodesource Node.js).
compare_packages=(python3-fastapi python3-uvicorn python3-jwt python3-cryptography python3-uvloop
  python3-httptools nodejs)
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}" "${compare_packages[@]}"
(cd bench/compare/fastify && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
if [ -z "${GATEHOUSE_BIN:-}" ]; then
  gh_build build/release Release -DGATEHOUSE_TESTS=OFF
  gatehouse=build/release/gateway/gatehouse
else
  bench_find_gatehouse
fi

work="$(mktemp -d /tmp/gatehouse-compare.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""; fastify_pid=""; fastapi_pid=""
cleanup() {
  bench_stop "$fastify_pid" "$fastapi_pid"
  bench_cleanup
}
trap cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

gh_port=$(gh_free_port)
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
  GATEHOUSE_REGISTER_RATE=1000000 GATEHOUSE_ACCESS_TOKEN_TTL=4h \
  "$gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!
nginx_port=$(gh_free_port)
bench_nginx "$nginx_port" "" "location / { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
bench_wait_ready "$gh_port"
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || gh_die "nginx did not come up"

# One user with a bearer token, one with a session cookie.
gh="http://127.0.0.1:$gh_port"
register() {
  curl -fs -X POST -H 'Content-Type: application/json' -c "$work/$1.jar" \
    -d "{\"email\":\"compare-$1-$(date +%s%N)@example.com\",\"password\":\"compare bench password\"$2}" \
    "$gh/api/v1/auth/register"
}
token=$(register bearer "" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
[ -n "$token" ] || gh_die "cannot register the benchmark user"
register cookie ',"session":"cookie"' >/dev/null
cookie=$(bench_cookie_header "$work/cookie.jar")
[ -n "$cookie" ] || gh_die "no session cookie"
curl -fs -H "Authorization: Bearer $token" "$gh/api/v1/users/me" >"$work/profile.json"
curl -fs -H "Cookie: $cookie" "$gh/api/v1/users/me" >/dev/null || gh_die "the cookie session does not answer"
curl -fs "$gh/.well-known/jwks.json" >"$work/jwks.json"
# iss and aud as Gatehouse wrote them into the token.
claims=$(/usr/bin/python3 -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(c["iss"], c["aud"])' "$token")
read -r issuer audience <<<"$claims"
export BENCH_JWKS_FILE="$work/jwks.json" BENCH_PROFILE_FILE="$work/profile.json" \
  BENCH_ISSUER="$issuer" BENCH_AUDIENCE="$audience"

fastify_port=$(gh_free_port)
BENCH_PORT=$fastify_port BENCH_WORKERS=2 node bench/compare/fastify/server.js \
  >"$work/fastify.out" 2>"$work/fastify.err" &
fastify_pid=$!
fastapi_port=$(gh_free_port)
/usr/bin/python3 -m uvicorn --workers 2 --loop uvloop --http httptools --no-access-log \
  --log-level warning --host 127.0.0.1 --port "$fastapi_port" --app-dir bench/compare \
  fastapi_app:app >"$work/fastapi.out" 2>"$work/fastapi.err" &
fastapi_pid=$!

# wait_answer NAME PORT: waits up to 20 s for the alternative to answer the bench user.
wait_answer() {
  for _ in $(seq 1 200); do
    curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$2/api/v1/users/me" \
      >"$work/$1.me" 2>/dev/null && break
    sleep 0.1
  done
  cmp -s "$work/$1.me" "$work/profile.json" ||
    { cat "$work/$1.err" >&2; gh_die "$1 does not answer Gatehouse's profile"; }
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token}x" \
    "http://127.0.0.1:$2/api/v1/users/me")" = 401 ] || gh_die "$1 accepts a forged token"
}
wait_answer fastify "$fastify_port"
wait_answer fastapi "$fastapi_port"

# measure NAME URL [wrk args...] -> "rps p50 p99 non2xx"
measure() {
  local name="$1" url="$2"
  shift 2
  wrk -t2 -c"$connections" -d1s "$@" "$url" >/dev/null 2>&1 # warm-up
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url" >"$work/$name.wrk" 2>&1
  wrk_summary "$work/$name.wrk"
}

me=/api/v1/users/me
targets=(nginx gatehouse cookie fastify fastapi)
declare -A rps p50 p99 vs_nginx vs_gh
for round in $(seq 1 "$rounds"); do
  declare -A now=()
  for t in "${targets[@]}"; do
    case "$t" in
      nginx) args=("http://127.0.0.1:$nginx_port/") ;;
      gatehouse) args=("$gh$me" -H "Authorization: Bearer $token") ;;
      cookie) args=("$gh$me" -H "Cookie: $cookie") ;;
      fastify) args=("http://127.0.0.1:$fastify_port$me" -H "Authorization: Bearer $token") ;;
      fastapi) args=("http://127.0.0.1:$fastapi_port$me" -H "Authorization: Bearer $token") ;;
    esac
    read -r r a b bad < <(measure "$t-$round" "${args[@]}")
    [ "$bad" = "0" ] || gh_die "non-2xx answers during round $round of $t: $bad"
    now[$t]=$r
    rps[$t]+="$r "; p50[$t]+="$a "; p99[$t]+="$b "
  done
  for t in "${targets[@]}"; do
    vs_nginx[$t]+="$(ratio "${now[$t]}" "${now[nginx]}" 4) "
    vs_gh[$t]+="$(ratio "${now[gatehouse]}" "${now[$t]}" 4) "
  done
  echo "round $round: $(for t in "${targets[@]}"; do printf '%s %s  ' "$t" "${now[$t]}"; done)" >&2
done

label() {
  case "$1" in
    nginx) echo "nginx-light (worker_processes auto) | return 200" ;;
    gatehouse) echo "Gatehouse | bearer JWT (EdDSA) + cached profile, inline on the io thread" ;;
    cookie) echo "Gatehouse | session cookie + cached profile" ;;
    fastify) echo "Fastify 5 + jose, 2 processes (cluster, SCHED_NONE) | bearer JWT + cached profile" ;;
    fastapi) echo "FastAPI + uvicorn (uvloop, httptools), 2 workers, PyJWT | bearer JWT + cached profile" ;;
  esac
}
# shellcheck disable=SC2086 # the lists are space-separated numbers
row() {
  local t="$1"
  echo "| $(label "$t") | $(median ${rps[$t]} | awk '{printf "%.0f", $1}') | $(median ${p50[$t]}) ms |" \
    "$(median ${p99[$t]}) ms | $(median ${vs_nginx[$t]} | awk '{printf "%.3f", $1}') ($(spread ${vs_nginx[$t]})) |" \
    "$(median ${vs_gh[$t]} | awk '{printf "%.2f", $1}') ($(spread ${vs_gh[$t]})) |"
}

echo
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, $rounds interleaved rounds in one run"
echo
echo "| server | what | req/s (median) | p50 | p99 | vs nginx (median, spread) | Gatehouse bearer is × (median, spread) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do row "$t"; done
