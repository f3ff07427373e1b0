#!/usr/bin/env bash
# Outbound webhooks end to end beside the rate the same events are published, in one run:
#   - N `user.updated` events are written into the outbox in one statement (the clock starts);
#   - published: the outbox relay has published every one to JetStream (its ack recorded);
#   - recorded: the `webhooks_user` fan-out consumer recorded a delivery for each;
#   - delivered: the delivery worker POSTed each, signed, to a local receiver (nginx-light
#     answering 204) and recorded it `succeeded`;
#   - then N more for a second tenant, which has no endpoint: applied when the fan-out consumer
#     has marked every one processed (what most events cost it: a tenant's endpoints are read
#     once per batch, and an event none of them wants writes nothing).
# One endpoint subscribed to `user.*`; Gatehouse runs with its defaults (development mode, so a
# loopback receiver over http is allowed) against PostgreSQL, Redis and NATS started for this
# run on free ports. Prints a Markdown table with events/s for both and their ratio.
#
#   bench/outbound_webhooks.sh [EVENTS] [TIMEOUT_SECONDS]   (defaults: 5000 events, 120 s)
#   GH_OUTBOUND_WARMUP=N                                     untimed events first (default 200)
#   GATEHOUSE_BIN=path/to/gatehouse                          the binary (default: the newest of
#                                                            build/release and build/test)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

events="${1:-5000}"
timeout="${2:-120}"
warmup="${GH_OUTBOUND_WARMUP:-200}"
gh_install "${GH_PACKAGES[@]}" nginx-light

bench_find_gatehouse

work="$(mktemp -d /tmp/gatehouse-outbound.XXXXXX)"
chmod 755 "$work"
gh_pid=""
nginx_pid=""
trap bench_cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"
export PATH="$PATH:/usr/sbin:/sbin"

receiver_port=$(gh_free_port)
bench_nginx "$receiver_port" "" "location /hook { return 204; }"

key="bench-bootstrap-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cp "$gatehouse" "$work/gatehouse"
gh_port=$(gh_free_port)
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
  GATEHOUSE_BOOTSTRAP_ADMIN_KEY="$key" \
  "$work/gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!
bench_wait_ready "$gh_port"
bench_wait_consumer webhooks_user USERS "outbound webhooks"

curl -fs -X POST "http://127.0.0.1:$gh_port/api/v1/admin/webhooks" \
  -H "Authorization: ApiKey $key" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$receiver_port/hook\",\"events\":[\"user.*\"]}" >/dev/null ||
  gh_die "could not register the endpoint"

sql() { psql "$DATABASE_URL" -qAtX -c "$1"; }
now() { date +%s.%N; }

tenant=00000000-0000-0000-0000-000000000001
quiet_tenant=00000000-0000-0000-0000-0000000000b1 # no endpoint

# insert N [TENANT]: writes N user.updated envelopes into the outbox in one statement.
insert() {
  local t="${2:-$tenant}"
  sql "INSERT INTO outbox (id, subject, tenant_id, payload) SELECT id, 'user.updated',
         '$t', jsonb_build_object('id', id, 'type',
         'user.updated', 'occurred_at', '2026-12-01T10:00:00.000Z', 'tenant_id',
         '$t', 'data', jsonb_build_object('user_id', id, 'name',
         'bench user'))
       FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $1)) g"
}

# wait_until SQL WANT: polls until SQL answers WANT (or dies after the timeout).
wait_until() {
  local deadline=$(($(date +%s) + timeout))
  until [ "$(sql "$1")" = "$2" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { bench_logs; gh_die "timed out waiting for: $1 = $2"; }
    sleep 0.02
  done
}

gh_log "warm-up: $warmup events"
insert "$warmup"
wait_until "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'" "$warmup"

gh_log "timed: $events events"
total=$((warmup + events))
t0=$(now)
insert "$events"
wait_until "SELECT count(*) FROM outbox WHERE published_at IS NULL" 0
t_published=$(now)
wait_until "SELECT count(*) FROM webhook_deliveries" "$total"
t_recorded=$(now)
wait_until "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'" "$total"
t_delivered=$(now)
failed=$(sql "SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded' OR attempts <> 1")

gh_log "timed: $events events of a tenant without endpoints"
sql "INSERT INTO tenants (id, name) VALUES ('$quiet_tenant', 'bench tenant without endpoints')
       ON CONFLICT DO NOTHING"
processed="SELECT count(*) FROM processed_events WHERE consumer = 'webhooks_user'"
before=$(sql "$processed")
t1=$(now)
insert "$events" "$quiet_tenant"
wait_until "SELECT count(*) FROM outbox WHERE published_at IS NULL" 0
t_quiet_published=$(now)
wait_until "$processed" "$((before + events))"
t_applied=$(now)
extra=$(sql "SELECT count(*) FROM webhook_deliveries")

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
rate() { awk -v n="$events" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
p_s=$(seconds "$t_published" "$t0")
r_s=$(seconds "$t_recorded" "$t0")
d_s=$(seconds "$t_delivered" "$t0")
qp_s=$(seconds "$t_quiet_published" "$t1")
a_s=$(seconds "$t_applied" "$t1")
p_rate=$(rate "$p_s")
r_rate=$(rate "$r_s")
d_rate=$(rate "$d_s")
qp_rate=$(rate "$qp_s")
a_rate=$(rate "$a_s")

echo
echo "$events events (after $warmup untimed), loopback, $(nproc) cores, same run"
echo "gatehouse: $gatehouse"
echo
echo "| measurement | events | seconds | events/s | vs published |"
echo "|---|---:|---:|---:|---:|"
echo "| published: outbox insert -> relay's JetStream ack recorded | $events | $p_s | $p_rate | 1.000 |"
echo "| recorded: insert -> the fan-out consumer's delivery row for each | $events | $r_s | $r_rate | $(ratio "$r_rate" "$p_rate") |"
echo "| delivered: insert -> signed POST answered 204 and recorded | $events | $d_s | $d_rate | $(ratio "$d_rate" "$p_rate") |"
echo "| a tenant without endpoints, published | $events | $qp_s | $qp_rate | 1.000 |"
echo "| a tenant without endpoints, applied: insert -> the fan-out consumer marked each processed | $events | $a_s | $a_rate | $(ratio "$a_rate" "$qp_rate") |"
echo
echo "Deliveries not succeeded on their first attempt: $failed. Deliveries in all: $extra (the"
echo "tenant without endpoints adds none)."
