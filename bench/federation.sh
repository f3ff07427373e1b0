#!/usr/bin/env bash
# GET /api/v1/users/me with a provider's access token beside the same with Gatehouse's own
# access token and nginx's `return 200` (worker_processes auto), on the same box in the same run,
# with wrk in interleaved rounds (nginx, own token, provider token, then nginx again ...):
#   - own: Gatehouse's EdDSA access token, checked on the io thread (verified claims cached) and
#     the profile kept by the identity actor for 2 s;
#   - provider: a Cognito-shaped RS256 access token (token_use "access", client_id, a day's exp)
#     from the OIDC test peer (tests/support/oidc/provider.mjs), accepted as bearer with
#     OIDC_COGNITO_ACCEPT_TOKENS=access. On the io thread Gatehouse's own check refuses it, its
#     `iss` is read and the caller is looked up among the tokens resolved in the current second
#     (actors/external_tokens.hpp); once that second is over, the next requests go through the
#     federation actor again (RS256 against the cached JWKS, then one PostgreSQL transaction).
# Gatehouse runs with its defaults otherwise (JSON access log on, written to a file). Prints each
# round, then the median req/s with its spread, p50 and p99, and the median ratio to nginx and of
# the provider token to the own token with their spread (lowest–highest round).
#
#   bench/federation.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (defaults: 10 s, 64 connections,
#                                                           3 rounds or GH_BENCH_ROUNDS; wrk -t2)
#   GATEHOUSE_BIN=path                                     this binary instead of building
#                                                          build/release
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-64}"
rounds="${3:-${GH_BENCH_ROUNDS:-3}}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}" nodejs
peer_dir=tests/support/oidc
[ -d "$peer_dir/node_modules/oidc-provider" ] ||
  (cd "$peer_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
bench_release_gatehouse

work="$(mktemp -d /tmp/gatehouse-federation.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""; peer_pid=""
cleanup() {
  bench_stop "$peer_pid"
  bench_cleanup
}
trap cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
# shellcheck source=/dev/null # written by services.sh
source "$work/services/env"

# The OIDC peer; its Cognito-shaped issuer is the provider. It prints one JSON line when ready.
client_id="gatehouse-bench"
node "$peer_dir/provider.mjs" --cognito-client "$client_id" >"$work/peer.out" 2>"$work/peer.err" &
peer_pid=$!
for _ in $(seq 1 200); do
  grep -q '"ready":true' "$work/peer.out" 2>/dev/null && break
  gh_alive "$peer_pid" || break
  sleep 0.1
done
grep -q '"ready":true' "$work/peer.out" || { cat "$work/peer.err" >&2; gh_die "the OIDC peer did not start"; }
read -r issuer peer_port < <(node -e '
  const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]);
  console.log(o.cognito.issuer, o.cognito.port);' "$work/peer.out")

gh_port=$(gh_free_port)
gh="http://127.0.0.1:$gh_port"
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_PUBLIC_URL="$gh" \
  GATEHOUSE_REGISTER_RATE=1000000 GATEHOUSE_ACCESS_TOKEN_TTL=4h \
  OIDC_PROVIDERS=cognito OIDC_COGNITO_ISSUER="$issuer" OIDC_COGNITO_CLIENT_ID="$client_id" \
  OIDC_COGNITO_ACCEPT_TOKENS=access \
  "$gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!
nginx_port=$(gh_free_port)
bench_nginx "$nginx_port" "" "location / { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
bench_wait_ready "$gh_port"
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || gh_die "nginx did not come up"

me="$gh/api/v1/users/me"
# Gatehouse's own token: a registered user's.
own=$(curl -fs -X POST -H 'Content-Type: application/json' \
  -d "{\"email\":\"federation-bench-$(date +%s%N)@example.com\",\"password\":\"federation bench password\"}" \
  "$gh/api/v1/auth/register" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
[ -n "$own" ] || gh_die "cannot register the benchmark user"
curl -fs -H "Authorization: Bearer $own" "$me" >/dev/null || gh_die "the own token does not answer"

# mint SIGN: a Cognito access token for the bench's subject, valid for a day, signed as SIGN asks
# (rs256: the peer's JWKS key; other-key: a key the JWKS does not hold).
subject="federation-bench-$(date +%s%N)"
mint() {
  local now
  now=$(date +%s)
  curl -fs -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$peer_port/mint" -d "{
    \"sign\": \"$1\", \"claims\": {\"sub\": \"$subject\", \"token_use\": \"access\",
    \"client_id\": \"$client_id\", \"scope\": \"openid email profile\", \"username\": \"$subject\",
    \"auth_time\": $now, \"iat\": $now, \"exp\": $((now + 86400)), \"jti\": \"bench-$now\"}}"
}
provider=$(mint rs256)
[ -n "$provider" ] || gh_die "the OIDC peer minted no token"
# The first use makes the user just in time; its answer lists the Cognito identity.
curl -fs -H "Authorization: Bearer $provider" "$me" >"$work/provider.me" ||
  { bench_logs; gh_die "the provider token does not answer"; }
grep -q '"cognito"' "$work/provider.me" || gh_die "the provider token's profile has no cognito identity"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(mint other-key)" "$me")" = 401 ] ||
  gh_die "Gatehouse accepts a provider token signed with a key its JWKS does not hold"

# measure NAME URL [wrk args...] -> "rps p50 p99 non2xx"
measure() {
  local name="$1" url="$2"
  shift 2
  wrk -t2 -c"$connections" -d1s "$@" "$url" >/dev/null 2>&1 # warm-up
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url" >"$work/$name.wrk" 2>&1
  wrk_summary "$work/$name.wrk"
}

targets=(nginx own provider)
declare -A rps p50 p99 vs_nginx vs_own
for round in $(seq 1 "$rounds"); do
  declare -A now=()
  for t in "${targets[@]}"; do
    case "$t" in
      nginx) args=("http://127.0.0.1:$nginx_port/") ;;
      own) args=("$me" -H "Authorization: Bearer $own") ;;
      provider) args=("$me" -H "Authorization: Bearer $provider") ;;
    esac
    read -r r a b bad < <(measure "$t-$round" "${args[@]}")
    [ "$bad" = "0" ] || gh_die "non-2xx answers during round $round of $t: $bad"
    now[$t]=$r
    rps[$t]+="$r "; p50[$t]+="$a "; p99[$t]+="$b "
  done
  for t in "${targets[@]}"; do
    vs_nginx[$t]+="$(ratio "${now[$t]}" "${now[nginx]}" 4) "
    vs_own[$t]+="$(ratio "${now[$t]}" "${now[own]}" 4) "
  done
  echo "round $round: $(for t in "${targets[@]}"; do printf '%s %s  ' "$t" "${now[$t]}"; done)" >&2
done
jwks=$(curl -fs "http://127.0.0.1:$peer_port/peer/stats" |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
    console.log(JSON.parse(s).requests["/local_gatehouse/.well-known/jwks.json"] ?? 0));')

label() {
  case "$1" in
    nginx) echo "nginx-light (worker_processes auto) | return 200" ;;
    own) echo "Gatehouse | GET /api/v1/users/me, own bearer JWT (EdDSA) + cached profile" ;;
    provider) echo "Gatehouse | the same, Cognito access token (RS256; settled again every half second by the federation actor: JWKS cached, one PostgreSQL transaction)" ;;
  esac
}
# whole_spread VALUES...: "min–max" of the numbers given, rounded to whole numbers.
whole_spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }'; }
# shellcheck disable=SC2086 # the lists are space-separated numbers
row() {
  local t="$1"
  echo "| $(label "$t") | $(median ${rps[$t]} | awk '{printf "%.0f", $1}') ($(whole_spread ${rps[$t]})) |" \
    "$(median ${p50[$t]}) ms | $(median ${p99[$t]}) ms |" \
    "$(median ${vs_nginx[$t]} | awk '{printf "%.3f", $1}') ($(spread ${vs_nginx[$t]})) |" \
    "$(median ${vs_own[$t]} | awk '{printf "%.2f", $1}') ($(spread ${vs_own[$t]})) |"
}

echo
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, $rounds interleaved rounds in one run"
echo
echo "| server | what | req/s (median, spread) | p50 | p99 | vs nginx (median, spread) | vs own token (median, spread) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do row "$t"; done
echo
echo "The provider's JWKS was fetched $jwks time(s) during the run."
