#!/usr/bin/env bash
# Stripe webhooks into Gatehouse beside nginx's `return 200` on the same box in the same run,
# with bench/webhook_load.cpp (built here with g++; the main build is not touched):
#   - reference: nginx-light answering POST /webhooks/stripe with `return 200 '{"received":true}'`;
#   - Gatehouse, HTTP: the same signed `invoice.paid` events on POST /webhooks/stripe, each
#     answered 200 after its Stripe-Signature was checked (HMAC-SHA256, 300 s tolerance), the
#     body decoded as a Stripe event and the event written to the outbox;
#   - Gatehouse, end to end: from the first of those requests until the `stripe` worker recorded
#     every event in processed_events (outbox relay -> JetStream PAYMENTS -> worker: invoice
#     decoded, its customer looked up, unknown to Gatehouse, skipped -> commit -> ack).
# The client is the same for both: N unique events signed before the clock starts, C kept-alive
# connections with one request in flight each, an untimed warm-up first. Gatehouse runs with its
# defaults (JSON access log on, written to a file) plus STRIPE_WEBHOOK_SECRET and without
# STRIPE_SECRET_KEY, against PostgreSQL, Redis and NATS started for this run on free ports (a
# fresh database). Prints a Markdown table with events/s, p50, p99 and the ratio to nginx.
#
#   bench/webhooks.sh [EVENTS] [CONNECTIONS]      (defaults: 5000 events, 8 connections)
#   GH_WEBHOOK_EVENTS=N GH_WEBHOOK_CONNECTIONS=C  the same, from the environment
#   GH_WEBHOOK_WARMUP=N                           untimed events first (default 200)
#   GH_WEBHOOK_TIMEOUT=S                          for the worker after the last answer (120)
#   GATEHOUSE_BIN=path/to/gatehouse               use this binary instead of building
#                                                 build/release (as bench/gateway.sh does)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

events="${1:-${GH_WEBHOOK_EVENTS:-5000}}"
connections="${2:-${GH_WEBHOOK_CONNECTIONS:-8}}"
warmup="${GH_WEBHOOK_WARMUP:-200}"
timeout="${GH_WEBHOOK_TIMEOUT:-120}"
for n in "$events" "$connections" "$timeout"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || gh_die "events, connections and timeout must be positive numbers"
done
[[ "$warmup" =~ ^[0-9]+$ ]] || gh_die "GH_WEBHOOK_WARMUP must be a number"

gh_install "${GH_PACKAGES[@]}" nginx-light

bench_release_gatehouse

# The load client: rebuilt when its source changed.
client=build/bench/webhook_load
bench_client webhook_load libpqxx libpq openssl

work="$(mktemp -d /tmp/gatehouse-webhooks.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""
trap bench_cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

# The endpoint secret of this run, shared by Gatehouse and the client through the environment.
STRIPE_WEBHOOK_SECRET="whsec_bench$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
export STRIPE_WEBHOOK_SECRET

# A copy, so a build relinking the binary meanwhile cannot touch this run. It runs in the scratch
# folder (no ./.env of the checkout) with no Stripe API key: webhooks need only the secret.
cp "$gatehouse" "$work/gatehouse"
gh_port=$(gh_free_port)
(
  cd "$work"
  exec env -u STRIPE_SECRET_KEY -u STRIPE_SECRET_KEY_FILE -u STRIPE_WEBHOOK_SECRET_FILE \
    -u STRIPE_API_BASE GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
    ./gatehouse serve >"$work/gatehouse.out" 2>"$work/gatehouse.err"
) &
gh_pid=$!

nginx_port=$(gh_free_port)
bench_nginx "$nginx_port" "keepalive_requests 1000000;" \
  "location = /webhooks/stripe { default_type application/json; return 200 '{\"received\":true}'; }"

nginx_up() {
  curl -fs -X POST -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$nginx_port/webhooks/stripe" >/dev/null 2>&1
}
bench_wait_ready "$gh_port"
for _ in $(seq 1 50); do
  nginx_up && break
  sleep 0.1
done
nginx_up || { cat "$work/nginx/error.log" >&2 || true; gh_die "nginx did not come up"; }
bench_wait_consumer stripe PAYMENTS "payment pipeline"

# line KIND OUTPUT: the client's result line of that kind.
line() { grep "^$1 " <<<"$2"; }
ms() { awk -v v="$1" 'BEGIN { printf "%.2f ms", v }'; }

load=(--events "$events" --connections "$connections" --warmup "$warmup")
gh_log "nginx return 200: $events events over $connections connections"
ref=$("$client" --port "$nginx_port" "${load[@]}") || gh_die "the nginx run failed"
gh_log "Gatehouse: $events events over $connections connections, then waiting for the worker"
if ! out=$("$client" --port "$gh_port" "${load[@]}" --database-url "$DATABASE_URL" \
  --timeout "$timeout"); then
  bench_logs
  gh_die "the Gatehouse run failed"
fi

n=$(line http "$ref")
g=$(line http "$out")
a=$(line applied "$out")
n_rate=$(field rate "$n")
g_rate=$(field rate "$g")
a_rate=$(field rate "$a")

echo
echo "$events signed events over $connections kept-alive connections (after $warmup untimed)," \
  "loopback, $(nproc) cores, same run"
echo "gatehouse: $gatehouse"
echo
echo "| measurement | events/s | p50 | p99 | vs reference |"
echo "|---|---:|---:|---:|---:|"
echo "| nginx return 200 (reference) | $n_rate | $(ms "$(field p50_ms "$n")") |" \
  "$(ms "$(field p99_ms "$n")") | 1.000 |"
echo "| Gatehouse verified + queued (HTTP 200) | $g_rate | $(ms "$(field p50_ms "$g")") |" \
  "$(ms "$(field p99_ms "$g")") | $(ratio "$g_rate" "$n_rate") |"
echo "| Gatehouse verified → applied by the worker (end to end) | $a_rate | – | – |" \
  "$(ratio "$a_rate" "$n_rate") |"
echo
echo "Request body $(field body_bytes "$g") B, one request in flight per connection; p50/p99 from" \
  "writing a request to reading its whole answer."
echo "End to end, from the first request: every answer in after $(field seconds "$g") s" \
  "($(field applied_when_sent "$a") events applied by then), the last event in processed_events" \
  "for 'stripe' after $(field seconds "$a") s (seen within 50 ms)."
echo "Outbox insert -> the worker's transaction, per event (PostgreSQL's clock):" \
  "p50 $(ms "$(field queued_p50_ms "$a")"), p99 $(ms "$(field queued_p99_ms "$a")")."
