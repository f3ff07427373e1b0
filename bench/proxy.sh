#!/usr/bin/env bash
# The proxy to internal services beside nginx's, on the same box in the same run, with wrk in
# interleaved rounds (nginx, then Gatehouse, then nginx again ...), so a shift of the machine's
# speed moves the reference with us. Both forward to the same upstream, an nginx `return 200`:
#   - nginx `proxy_pass` (no auth; HTTP/1.1 with kept-alive upstream connections);
#   - Gatehouse: the bearer JWT checked, the client's credentials stripped, the identity headers
#     (`X-Gatehouse-User-Id`, `-Tenant-Id`, the `X-Gatehouse-Identity` JWT) and `Forwarded` added,
#     kept-alive upstream connections.
# Then server-sent events: the time to the first event through Gatehouse and straight from the
# upstream (a small Python SSE server that sends its second event 1 s after the first).
# Gatehouse runs with its defaults (JSON access log on, written to a file).
#
#   bench/proxy.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 64 connections, 2 threads)
#   GH_BENCH_ROUNDS=N                          rounds (default 3)
#   GATEHOUSE_BIN=path                         this binary instead of building build/release
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-64}"
rounds="${GH_BENCH_ROUNDS:-3}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}"
bench_release_gatehouse

work="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""; sse_pid=""
cleanup() {
  bench_stop "$sse_pid"
  bench_cleanup
}
trap cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

# The upstream (`return 200`) and nginx's proxy in front of it, in one nginx.
up_port=$(gh_free_port)
nginx_port=$(gh_free_port)
bench_nginx "$nginx_port" "
  upstream backend { server 127.0.0.1:$up_port; keepalive 64; }
  server {
    listen 127.0.0.1:$up_port;
    location / { default_type application/json; return 200 '{\"status\":\"ok\"}'; }
  }" "location / { proxy_pass http://backend; proxy_http_version 1.1;
                  proxy_set_header Connection \"\"; }"

# A server-sent events upstream: `data: first` at once, `data: second` a second later.
sse_port=$(gh_free_port)
cat >"$work/sse.py" <<'PY'
import http.server, sys, time
class Events(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, text in enumerate([b"data: first\n\n", b"data: second\n\n"]):
            if i: time.sleep(1)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(text), text)); self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n"); self.wfile.flush()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Events).serve_forever()
PY
python3 "$work/sse.py" "$sse_port" &
sse_pid=$!

gh_port=$(gh_free_port)
mkdir -p "$work/gatehouse"
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/gatehouse" \
  GATEHOUSE_REGISTER_RATE=1000000 GATEHOUSE_UPSTREAMS=bench,events \
  UPSTREAM_BENCH_PREFIX=/api/v1/bench UPSTREAM_BENCH_URL="http://127.0.0.1:$up_port" \
  UPSTREAM_EVENTS_PREFIX=/api/v1/events UPSTREAM_EVENTS_URL="http://127.0.0.1:$sse_port" \
  "$gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!
bench_wait_ready "$gh_port"
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || gh_die "nginx did not come up"

body="{\"email\":\"bench-$(date +%s%N)@example.com\",\"password\":\"bench password $(date +%s)\"}"
token=$(curl -fs -X POST -H 'Content-Type: application/json' -d "$body" \
  "http://127.0.0.1:$gh_port/api/v1/auth/register" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
[ -n "$token" ] || gh_die "cannot register the benchmark user"
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$gh_port/api/v1/bench/" >/dev/null ||
  gh_die "the proxy does not answer"

# measure NAME URL [wrk args...] -> "rps p50 p99 non2xx"
measure() {
  local name="$1" url="$2"
  shift 2
  wrk -t2 -c"$connections" -d1s "$@" "$url" >/dev/null 2>&1 # warm-up
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url" >"$work/$name.wrk" 2>&1
  wrk_summary "$work/$name.wrk"
}

declare -A rps p50 p99
ratios=""
for round in $(seq 1 "$rounds"); do
  read -r r a b bad < <(measure "nginx-$round" "http://127.0.0.1:$nginx_port/")
  [ "$bad" = "0" ] || gh_die "non-2xx answers from nginx in round $round: $bad"
  rps[nginx]+="$r "; p50[nginx]+="$a "; p99[nginx]+="$b "
  nginx_rps=$r
  read -r r a b bad < <(measure "gatehouse-$round" "http://127.0.0.1:$gh_port/api/v1/bench/" \
    -H "Authorization: Bearer $token")
  [ "$bad" = "0" ] || gh_die "non-2xx answers from Gatehouse in round $round: $bad"
  rps[gatehouse]+="$r "; p50[gatehouse]+="$a "; p99[gatehouse]+="$b "
  ratios+="$(ratio "$r" "$nginx_rps" 4) "
  echo "round $round: nginx proxy_pass $nginx_rps req/s, gatehouse $r req/s" >&2
done

# Time to the first event (curl's time to the first body byte), 10 requests each, median.
first_event() {
  local times="" t
  for _ in $(seq 1 10); do
    t=$(curl -sN -o /dev/null -w '%{time_starttransfer} %{time_total}' "$@")
    times+="$(awk '{printf "%.2f", $1 * 1000}' <<<"$t") "
    total=$(awk '{printf "%.0f", $2 * 1000}' <<<"$t")
  done
  # shellcheck disable=SC2086
  echo "$(median $times) $total"
}
read -r direct_first direct_total < <(first_event "http://127.0.0.1:$sse_port/")
read -r gh_first gh_total < <(first_event -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$gh_port/api/v1/events/")

# shellcheck disable=SC2086 # the lists are space-separated numbers
row() {
  echo "| $1 | $(median ${rps[$2]} | awk '{printf "%.0f", $1}') | $(median ${p50[$2]}) ms | $(median ${p99[$2]}) ms | $3 |"
}
echo
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, $rounds interleaved rounds in one run"
echo
echo "| target | req/s (median) | p50 (median) | p99 (median) | vs nginx (median, spread) |"
echo "|---|---:|---:|---:|---:|"
row "nginx-light (worker_processes auto) proxy_pass, no auth → nginx return 200" nginx "1.00"
# shellcheck disable=SC2086
row "gatehouse: bearer JWT checked, identity headers added → the same upstream" gatehouse \
  "$(median $ratios | awk '{printf "%.2f", $1}') ($(spread $ratios))"
echo
echo "Server-sent events, time to the first event (median of 10; the second event follows 1 s later):"
echo
echo "| path | first event | whole answer |"
echo "|---|---:|---:|"
echo "| straight from the upstream | $direct_first ms | $direct_total ms |"
echo "| through Gatehouse (bearer JWT) | $gh_first ms | $gh_total ms |"
