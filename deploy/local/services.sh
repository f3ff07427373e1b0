#!/usr/bin/env bash
# Starts and stops PostgreSQL 15, Redis 7 and nats-server (JetStream, monitoring) on loopback,
# with all their data under one folder.
#
#   services.sh start DIR [auto]   start (reusing DIR's data); `auto` picks free ports,
#                                  otherwise GH_PG_PORT/GH_REDIS_PORT/GH_NATS_PORT/GH_NATS_MONITOR_PORT
#                                  or 15432/16379/14222/18222
#   services.sh stop DIR           stop whatever runs from DIR
#   services.sh status DIR
#   services.sh stop-redis DIR | start-redis DIR   (fault drills)
#   services.sh kill-SERVICE DIR | start-SERVICE DIR
#                                  SIGKILL (PostgreSQL: the postmaster and every backend at once)
#                                  or start again one of postgres, redis, nats (chaos drills)
#
# `start` writes DIR/env with DATABASE_URL, REDIS_URL, NATS_URL and NATS_MONITOR_URL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The servers started here run on after this script: they must not inherit its caller's
# descriptors. A `flock` lock held through one would stay held for as long as they run (and block
# every later build), a test's listening socket would stay bound.
for fd in /proc/$$/fd/*; do
  fd="${fd##*/}"
  if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || gh_die "usage: services.sh start|stop|status DIR [auto]"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
ports="$dir/ports"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

choose_ports() {
  if [ -f "$ports" ]; then source "$ports"; return; fi
  if [ "${1:-}" = auto ]; then
    PG_PORT=$(gh_free_port); REDIS_PORT=$(gh_free_port)
    NATS_PORT=$(gh_free_port); NATS_MONITOR_PORT=$(gh_free_port)
  else
    PG_PORT=${GH_PG_PORT:-15432}; REDIS_PORT=${GH_REDIS_PORT:-16379}
    NATS_PORT=${GH_NATS_PORT:-14222}; NATS_MONITOR_PORT=${GH_NATS_MONITOR_PORT:-18222}
  fi
  printf 'PG_PORT=%s\nREDIS_PORT=%s\nNATS_PORT=%s\nNATS_MONITOR_PORT=%s\n' \
    "$PG_PORT" "$REDIS_PORT" "$NATS_PORT" "$NATS_MONITOR_PORT" >"$ports"
}

start_postgres() {
  local data="$dir/pg" pw="$dir/pg.password"
  # A postmaster killed with SIGKILL leaves its lock file; one whose process is gone (or a zombie
  # PID 1 has not reaped yet) would make pg_ctl believe it still runs.
  # The same holds for the lock file of its socket.
  local lock
  for lock in "$data/postmaster.pid" "$data"/.s.PGSQL.*.lock; do
    if [ -f "$lock" ] && ! gh_alive "$(head -1 "$lock")"; then rm -f "$lock"; fi
  done
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ -f "$pw" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$pw"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$data"; chown postgres "$pw"; fi
    chmod 700 "$data"
    as_pg "$PG_BIN/initdb" -D "$data" -U gatehouse --pwfile="$pw" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$dir/pg-initdb.log" 2>&1 || {
      cat "$dir/pg-initdb.log" >&2; gh_die "initdb failed"; }
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    gh_port_in_use "$PG_PORT" && gh_die "port $PG_PORT is taken: set GH_PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
      -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1" start >/dev/null ||
      { tail -20 "$data/server.log" >&2; gh_die "PostgreSQL did not start"; }
  fi
  PGPASSWORD="$(cat "$pw")" psql -h 127.0.0.1 -p "$PG_PORT" -U gatehouse -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = 'gatehouse'" | grep -q 1 ||
    PGPASSWORD="$(cat "$pw")" psql -h 127.0.0.1 -p "$PG_PORT" -U gatehouse -d postgres -q \
      -c "CREATE DATABASE gatehouse" >/dev/null
}

start_redis() {
  local pid
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  gh_alive "$pid" && return 0
  gh_port_in_use "$REDIS_PORT" && gh_die "port $REDIS_PORT is taken: set GH_REDIS_PORT"
  mkdir -p "$dir/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' \
    --appendonly no --dir "$dir/redis" --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 1 50); do gh_port_in_use "$REDIS_PORT" && return 0; sleep 0.1; done
  gh_die "Redis did not start (see $dir/redis.log)"
}

start_nats() {
  local pid
  pid=$(cat "$dir/nats.pid" 2>/dev/null || true)
  gh_alive "$pid" && return 0
  gh_port_in_use "$NATS_PORT" && gh_die "port $NATS_PORT is taken: set GH_NATS_PORT"
  mkdir -p "$dir/nats"
  setsid nats-server -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" -js \
    -sd "$dir/nats" -P "$dir/nats.pid" -l "$dir/nats.log" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true" >/dev/null 2>&1 &&
      return 0
    sleep 0.1
  done
  gh_die "nats-server did not start (see $dir/nats.log)"
}

stop_pid_file() {
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  if gh_alive "$pid"; then
    kill "$pid" 2>/dev/null || true
    gh_wait_dead "$pid" 10 || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

# kill_now PID...: SIGKILL, then waits until none of them runs any more.
kill_now() {
  local pid
  for pid in "$@"; do [ "$pid" -gt 1 ] || gh_die "refusing to kill '$pid'"; done
  kill -9 "$@" 2>/dev/null || true
  for pid in "$@"; do gh_wait_dead "$pid" 10 || gh_die "process $pid survived SIGKILL"; done
}

# kill_pid_file FILE: SIGKILL the process FILE names, if it runs.
kill_pid_file() {
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  if gh_alive "$pid"; then kill_now "$pid"; fi
}

# kill_postgres: SIGKILL the postmaster and its children together, as a machine crash would (a
# postmaster killed alone leaves backends holding its shared memory, and no new one can start).
kill_postgres() {
  local pm children
  pm=$(head -1 "$dir/pg/postmaster.pid" 2>/dev/null || true)
  gh_alive "$pm" || return 0
  children=""
  # Field 4 of /proc/PID/stat, after the parenthesised command name, is the parent's PID (read
  # with builtins only: this runs while a storm keeps the machine busy).
  local s line fields
  for s in /proc/[0-9]*/stat; do
    { read -r line <"$s"; } 2>/dev/null || continue
    read -ra fields <<<"${line##*) }"
    [ "${fields[1]:-}" = "$pm" ] && children="$children ${s//[^0-9]/}"
  done
  # shellcheck disable=SC2086
  kill_now "$pm" $children
}

write_env() {
  cat >"$dir/env" <<ENV
export DATABASE_URL='postgresql://gatehouse:$(cat "$dir/pg.password")@127.0.0.1:$PG_PORT/gatehouse'
export REDIS_URL='redis://127.0.0.1:$REDIS_PORT/0'
export NATS_URL='nats://127.0.0.1:$NATS_PORT'
export NATS_MONITOR_URL='http://127.0.0.1:$NATS_MONITOR_PORT'
export GH_SERVICES_DIR='$dir'
ENV
  chmod 600 "$dir/env"
}

case "$cmd" in
  start)
    choose_ports "${3:-}"
    start_postgres; start_redis; start_nats; write_env
    gh_log "PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, NATS :$NATS_PORT (monitoring :$NATS_MONITOR_PORT)"
    ;;
  stop)
    stop_pid_file "$dir/nats.pid"
    stop_pid_file "$dir/redis.pid"
    if [ -f "$dir/pg/PG_VERSION" ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  stop-redis) stop_pid_file "$dir/redis.pid" ;;
  start-redis) source "$ports"; start_redis ;;
  kill-postgres) kill_postgres ;;
  kill-redis) kill_pid_file "$dir/redis.pid" ;;
  kill-nats) kill_pid_file "$dir/nats.pid" ;;
  start-postgres) source "$ports"; start_postgres ;;
  start-nats) source "$ports"; start_nats ;;
  status)
    [ -f "$ports" ] && source "$ports" || gh_die "nothing started in $dir"
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1 && echo "postgres: up :$PG_PORT" || echo "postgres: down"
    gh_alive "$(cat "$dir/redis.pid" 2>/dev/null)" && echo "redis: up :$REDIS_PORT" || echo "redis: down"
    gh_alive "$(cat "$dir/nats.pid" 2>/dev/null)" && echo "nats: up :$NATS_PORT" || echo "nats: down"
    ;;
  *) gh_die "unknown command $cmd" ;;
esac
