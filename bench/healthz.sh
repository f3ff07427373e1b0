#!/usr/bin/env bash
# Throughput of GET /healthz (router + one actor hop) beside nginx's `return 200` on the same
# box in the same run, with wrk. Prints a Markdown table with req/s, p50, p99 and the ratio.
#
#   bench/healthz.sh [SECONDS] [CONNECTIONS]     (defaults: 10 s, 64 connections, 2 threads)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
cd "$GH_ROOT"

duration="${1:-10}"
connections="${2:-64}"
gh_install "${GH_PACKAGES[@]}" "${GH_BENCH_PACKAGES[@]}"
gh_build build/release Release -DGATEHOUSE_TESTS=OFF

work="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""
cleanup() {
  [ -n "$gh_pid" ] && kill "$gh_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  bash deploy/local/services.sh stop "$work/services" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

gh_port=$(gh_free_port)
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_DATA_DIR="$work/data" \
  build/release/gateway/gatehouse serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!

nginx_port=$(gh_free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$gh_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$gh_port/healthz" >/dev/null || gh_die "Gatehouse did not come up"
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || gh_die "nginx did not come up"

# measure NAME URL -> "rps p50 p99"
measure() {
  wrk -t2 -c"$connections" -d1s "$2" >/dev/null 2>&1 # warm-up
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$2" >"$work/$1.wrk" 2>&1
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.wrk")
  echo "$rps $p50 $p99"
}

read -r n_rps n_p50 n_p99 < <(measure nginx "http://127.0.0.1:$nginx_port/")
read -r g_rps g_p50 g_p99 < <(measure gatehouse "http://127.0.0.1:$gh_port/healthz")
ratio=$(awk -v a="$g_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", a / b }')

echo
echo "wrk -t2 -c$connections -d${duration}s, loopback, $(nproc) cores, same run"
echo
echo "| target | route | req/s | p50 | p99 | vs nginx |"
echo "|---|---|---:|---:|---:|---:|"
echo "| nginx-light | return 200 | $n_rps | $n_p50 | $n_p99 | 1.00 |"
echo "| gatehouse | GET /healthz (router + ops actor) | $g_rps | $g_p50 | $g_p99 | $ratio |"
