# Shared by the bench scripts; sourced after deploy/local/lib.sh, from the checkout's root.
# The scripts keep their processes and scratch folder in the globals `work`, `gh_pid` and
# `nginx_pid`, which bench_cleanup ends.

# bench_client NAME [PKG-CONFIG-MODULES...]: builds build/bench/NAME from bench/NAME.cpp with g++
# when it is missing or older than its source or bench/load_cli.hpp; the main build is not touched.
bench_client() {
  local name="$1" client="build/bench/$1"
  shift
  local newer=""
  for part in "bench/$name.cpp" bench/load_cli.hpp bench/"$name"_*.inc; do
    [ -e "$part" ] && [ "$part" -nt "$client" ] && newer=1
  done
  if [ ! -x "$client" ] || [ -n "$newer" ]; then
    gh_log "building $client"
    mkdir -p build/bench
    local flags=()
    [ "$#" -eq 0 ] || read -r -a flags < <(pkg-config --cflags --libs "$@")
    g++ -O2 -std=c++20 -Wall -Wextra -pthread "bench/$name.cpp" "${flags[@]}" -o "$client"
  fi
}

# bench_release_gatehouse: sets `gatehouse` to $GATEHOUSE_BIN, or else build/release's binary,
# built (or brought up to date) first.
bench_release_gatehouse() {
  gatehouse="${GATEHOUSE_BIN:-}"
  if [ -z "$gatehouse" ]; then
    gh_build build/release Release -DGATEHOUSE_TESTS=OFF
    gatehouse=build/release/gateway/gatehouse
  fi
  [ -x "$gatehouse" ] || gh_die "no gatehouse binary at $gatehouse"
}

# bench_find_gatehouse: sets `gatehouse` to $GATEHOUSE_BIN, or else the newest of the release and
# test builds; dies when there is none.
bench_find_gatehouse() {
  gatehouse="${GATEHOUSE_BIN:-}"
  if [ -z "$gatehouse" ]; then
    for candidate in build/release/gateway/gatehouse build/test/gateway/gatehouse; do
      [ -x "$candidate" ] && { [ -z "$gatehouse" ] || [ "$candidate" -nt "$gatehouse" ]; } &&
        gatehouse="$candidate"
    done
  fi
  [ -n "$gatehouse" ] && [ -x "$gatehouse" ] ||
    gh_die "no gatehouse binary: build one (deploy/local/test.sh or bench/gateway.sh) or set GATEHOUSE_BIN"
}

# bench_stop PID...: stops each process given (TERM, then KILL after 10 s); empty ones are skipped.
bench_stop() {
  local pid
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    gh_wait_dead "$pid" 10 || kill -9 "$pid" 2>/dev/null || true
  done
}

# bench_cleanup: stops Gatehouse and nginx (bench_stop), the run's services, and removes the
# scratch folder. For `trap bench_cleanup EXIT`.
bench_cleanup() {
  bench_stop "${gh_pid:-}" "${nginx_pid:-}"
  bash deploy/local/services.sh stop "$work/services" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# bench_nginx PORT HTTP_DIRECTIVES SERVER_DIRECTIVES: starts nginx-light (`worker_processes auto`,
# the box's practical limit; no access log) on 127.0.0.1:PORT in the background with its files under $work/nginx; sets nginx_pid.
bench_nginx() {
  local port="$1" http_directives="$2" server_directives="$3"
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  $http_directives
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$port;
    $server_directives
  }
}
CONF
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
  nginx_pid=$!
}

# bench_logs: the end of Gatehouse's logs ($work/gatehouse.out and .err), on stderr.
bench_logs() { tail -n 20 "$work/gatehouse.out" "$work/gatehouse.err" >&2 || true; }

# bench_wait_ready PORT: waits up to 15 s for Gatehouse ($gh_pid) to answer /readyz with 200;
# otherwise prints the end of its logs and dies.
bench_wait_ready() {
  local url="http://127.0.0.1:$1/readyz"
  for _ in $(seq 1 150); do
    curl -fs "$url" >/dev/null 2>&1 && return 0
    gh_alive "$gh_pid" || break
    sleep 0.1
  done
  curl -fs "$url" >/dev/null 2>&1 && return 0
  bench_logs
  gh_die "Gatehouse did not become ready"
}

# bench_wait_consumer NAME STREAM PIPELINE: waits up to 10 s for Gatehouse's durable consumer
# NAME, which its worker creates once the streams exist; a binary ($gatehouse) built before
# PIPELINE never does.
bench_wait_consumer() {
  local jsz="$NATS_MONITOR_URL/jsz?accounts=true&consumers=true"
  for _ in $(seq 1 100); do
    curl -fs "$jsz" 2>/dev/null | grep -q "\"name\": *\"$1\"" && return 0
    sleep 0.1
  done
  curl -fs "$jsz" | grep -q "\"name\": *\"$1\"" ||
    gh_die "${gatehouse:-Gatehouse} made no '$1' consumer on $2: is it older than the $3?"
}

# bench_cookie_header JAR: the `Cookie` header value of curl's cookie jar JAR (the HttpOnly
# cookies included), for the session a registration with "session":"cookie" opened.
bench_cookie_header() {
  awk '$0 !~ /^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$1"
}

# field NAME LINE: the value of NAME=... in a load client's result line.
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }

# ratio A B [DECIMALS]: A / B, with 3 decimals unless told.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-3}" 'BEGIN { printf "%.*f", d, a / b }'; }

# median VALUES...: the median of the numbers given (the mean of the middle two for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# spread VALUES...: "min–max" of the numbers given, two decimals.
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f", lo, hi }'; }

# wrk_ms LATENCY: wrk's `720.00us`, `1.54ms` or `1.20s` in milliseconds.
wrk_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.2f", n }'; }

# wrk_summary FILE: "req/s p50_ms p99_ms non2xx" of a `wrk --latency` report ("-" when missing).
wrk_summary() {
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$1")
  p50=$(wrk_ms "$(awk '$1 == "50%" {print $2}' "$1")")
  p99=$(wrk_ms "$(awk '$1 == "99%" {print $2}' "$1")")
  bad=$(awk '/Non-2xx/ {print $5}' "$1")
  echo "${rps:--} ${p50:--} ${p99:--} ${bad:-0}"
}
