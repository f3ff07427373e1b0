#!/usr/bin/env bash
# Gatehouse's event pipeline beside raw JetStream publishing on the same box in the same run,
# with bench/event_load.cpp (built here with g++; the main build is not touched):
#   - reference: a plain nats.c client publishing N ~300-byte JSON events to a throwaway
#     stream with js_PublishAsync (unique Nats-Msg-Id each, as the outbox relay sets) until
#     js_PublishAsyncComplete returns;
#   - Gatehouse: N `user.created` events of phone-only users inserted into the outbox table
#     (a few large transactions), counted from the first insert until every one of them is in
#     processed_events for the `welcome` consumer: relay -> JetStream -> worker -> ack.
# Both run a small untimed warm-up first. Gatehouse runs with its defaults against PostgreSQL,
# Redis and NATS started for this run on free ports.
# Prints a Markdown table with events/s and the ratio to the raw reference.
#
#   bench/events.sh [EVENTS] [TIMEOUT_SECONDS]     (defaults: 20000 events, 120 s)
#   GATEHOUSE_BIN=path/to/gatehouse bench/events.sh   (default: the newer of build/release and
#                                                     build/test gateway/gatehouse)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

events="${1:-20000}"
timeout="${2:-120}"
gh_install "${GH_PACKAGES[@]}"

# The newer of the release and test builds unless GATEHOUSE_BIN says otherwise.
bench_find_gatehouse

# The load client: rebuilt when its source changed.
client=build/bench/event_load
bench_client event_load libnats libpqxx libpq

work="$(mktemp -d /tmp/gatehouse-events.XXXXXX)"
chmod 755 "$work"
gh_pid=""
trap bench_cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

# A copy, so a build relinking the binary meanwhile cannot touch this run.
cp "$gatehouse" "$work/gatehouse"
gh_port=$(gh_free_port)
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
  "$work/gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!

bench_wait_ready "$gh_port"
bench_wait_consumer welcome USERS "event pipeline"

gh_log "raw JetStream publish: $events events"
raw=$("$client" raw --events "$events" --timeout "$timeout")
gh_log "Gatehouse outbox -> worker ack: $events events"
if ! gh=$("$client" outbox --events "$events" --timeout "$timeout"); then
  bench_logs
  gh_die "the Gatehouse run failed"
fi

r_rate=$(field rate "$raw")
g_rate=$(field rate "$gh")

echo
echo "$events events each (after an untimed warm-up), loopback, $(nproc) cores, same run"
echo "gatehouse: $gatehouse"
echo
echo "| measurement | events | seconds | events/s | vs raw |"
echo "|---|---:|---:|---:|---:|"
echo "| raw JetStream publish (nats.c, async) | $events | $(field seconds "$raw") | $r_rate | 1.000 |"
echo "| Gatehouse outbox insert -> worker ack | $events | $(field seconds "$gh") | $g_rate | $(ratio "$g_rate" "$r_rate") |"
echo
echo "Raw payload $(field bytes "$raw") B (file storage, 512 publishes in flight);" \
  "Gatehouse envelope $(field bytes "$gh") B as the relay publishes it."
echo "Gatehouse, from the first insert: all rows inserted after $(field inserted_seconds "$gh") s," \
  "the last one published to JetStream by the relay after $(field published_seconds "$gh") s" \
  "(seen within 50 ms), the last one handled after $(field seconds "$gh") s."
