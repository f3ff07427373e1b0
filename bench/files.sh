#!/usr/bin/env bash
# Files on the local store beside nginx-light on the same box in the same run:
#   - a 256 MiB download through GET /storage/{token} (Gatehouse reads the object a chunk at a
#     time on its disk threads) and the same file served by nginx (sendfile), in interleaved
#     rounds (GH_BENCH_ROUNDS, default 3): MiB/s, median ratio and its spread;
#   - N small uploads (1 KiB, default 1000) with up to C in flight (default 100), each the full
#     flow a client runs (POST /api/v1/files/upload, PUT to the signed URL, POST .../complete),
#     driven by one curl process per step (`curl --parallel`), spread round-robin over U users
#     (GH_FILES_USERS, default 1: one user's uploads are reserved against the quota one after
#     another), beside nginx taking the same N PUTs (dav_methods PUT, one request per upload):
#     uploads/s, and each step's time;
#   - Gatehouse's resident memory (VmRSS, sampled every 50 ms) while one client uploads 1 GiB,
#     beside its resident memory just before.
# Gatehouse runs with its defaults (access log on, to a file) plus FILES_MAX_BYTES=2 GiB against
# PostgreSQL, Redis and NATS started for this run on free ports; the data dir is on the same disk
# as nginx's root.
#
#   bench/files.sh [UPLOADS] [IN_FLIGHT]
#   GATEHOUSE_BIN=path/to/gatehouse   use this binary instead of building build/release
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

uploads="${1:-1000}"
in_flight="${2:-100}"
rounds="${GH_BENCH_ROUNDS:-3}"
gh_install "${GH_PACKAGES[@]}" nginx-light

bench_release_gatehouse

work="$(mktemp -d /tmp/gatehouse-files.XXXXXX)"
chmod 755 "$work"
gh_pid=""; nginx_pid=""
trap bench_cleanup EXIT
bash deploy/local/services.sh start "$work/services" auto 2>/dev/null
source "$work/services/env"

gh_port=$(gh_free_port)
ng_port=$(gh_free_port)
base="http://127.0.0.1:$gh_port"
GATEHOUSE_LISTEN="127.0.0.1:$gh_port" GATEHOUSE_PUBLIC_URL="$base" \
  GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_REGISTER_RATE=1000 \
  FILES_MAX_BYTES=$((2 * 1024 * 1024 * 1024)) FILES_QUOTA_BYTES=$((8 * 1024 * 1024 * 1024)) \
  "$gatehouse" serve >"$work/gatehouse.out" 2>"$work/gatehouse.err" &
gh_pid=$!
bench_wait_ready "$gh_port"
mkdir -p "$work/www" "$work/put"
bench_nginx "$ng_port" "sendfile on;" \
  "location /put/ { root $work; dav_methods PUT; client_max_body_size 2g; } location / { root $work/www; }"

token=$(curl -fs "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench-$RANDOM@example.com\",\"password\":\"correct horse battery\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth="Authorization: Bearer $token"
# The users the small uploads are spread over: the first one above, and U - 1 more.
auths=("$auth")
for _ in $(seq 2 "${GH_FILES_USERS:-1}"); do
  t=$(curl -fs "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$RANDOM$RANDOM@example.com\",\"password\":\"correct horse battery\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  auths+=("Authorization: Bearer $t")
done

# upload FILE TYPE: the full client flow for FILE; prints the download URL.
upload() {
  local size up
  size=$(stat -c %s "$1")
  up=$(curl -fs "$base/api/v1/files/upload" -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"filename\":\"$(basename "$1")\",\"content_type\":\"$2\",\"size\":$size}")
  local id url
  id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["file_id"])' "$up")
  url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["upload_url"])' "$up")
  curl -fs -o /dev/null -T "$1" -H "Content-Type: $2" "$url" || gh_die "upload of $1 failed"
  curl -fs -X POST "$base/api/v1/files/$id/complete" -H "$auth" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["download_url"])'
}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$gh_pid/status"; }

# --- 256 MiB download -------------------------------------------------------------------------
head -c $((256 * 1024 * 1024)) /dev/urandom >"$work/www/big.bin"
download_url=$(upload "$work/www/big.bin" application/octet-stream)
speed() { curl -fs -o /dev/null -w '%{speed_download}' "$1"; }
speed "$download_url" >/dev/null; speed "http://127.0.0.1:$ng_port/big.bin" >/dev/null
gh_speeds=(); ng_speeds=(); ratios=()
for _ in $(seq 1 "$rounds"); do
  n=$(speed "http://127.0.0.1:$ng_port/big.bin")
  g=$(speed "$download_url")
  ng_speeds+=("$n"); gh_speeds+=("$g"); ratios+=("$(ratio "$g" "$n")")
done
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

# --- small uploads ----------------------------------------------------------------------------
head -c 1024 /dev/urandom >"$work/small.bin"
: >"$work/step1.cfg"
# `next` between entries: without it curl adds every entry's headers to every request.
for i in $(seq 1 "$uploads"); do
  [ "$i" -gt 1 ] && echo next >>"$work/step1.cfg"
  printf 'url = "%s/api/v1/files/upload"\nheader = "%s"\nheader = "Content-Type: application/json"\ndata = "{\\"filename\\":\\"s%d.bin\\",\\"content_type\\":\\"application/octet-stream\\",\\"size\\":1024}"\noutput = "%s/up/%d.json"\n' \
    "$base" "${auths[i % ${#auths[@]}]}" "$i" "$work" "$i" >>"$work/step1.cfg"
done
mkdir -p "$work/up"
now_ms() { date +%s%3N; }
t0=$(now_ms)
curl -s --parallel --parallel-max "$in_flight" -K "$work/step1.cfg"
t1=$(now_ms)
python3 - "$work" "$uploads" "$base" "${auths[@]}" <<'PY'
import json, sys
work, n, base, auths = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
with open(f"{work}/step2.cfg", "w") as put, open(f"{work}/step3.cfg", "w") as done:
    for i in range(1, n + 1):
        up = json.load(open(f"{work}/up/{i}.json"))
        if i > 1:
            put.write("next\n")
            done.write("next\n")
        put.write(f'url = "{up["upload_url"]}"\nupload-file = "{work}/small.bin"\n'
                  f'header = "Content-Type: application/octet-stream"\noutput = "/dev/null"\n'
                  f'write-out = "%{{http_code}}\\n"\n')
        done.write(f'url = "{base}/api/v1/files/{up["file_id"]}/complete"\nrequest = "POST"\n'
                   f'header = "{auths[i % len(auths)]}"\noutput = "/dev/null"\nwrite-out = "%{{http_code}}\\n"\n')
PY
t2=$(now_ms)
put_ok=$(curl -s --parallel --parallel-max "$in_flight" -K "$work/step2.cfg" | grep -c '^200$' || true)
t3=$(now_ms)
done_ok=$(curl -s --parallel --parallel-max "$in_flight" -K "$work/step3.cfg" | grep -c '^200$' || true)
t4=$(now_ms)
[ "$put_ok" -eq "$uploads" ] && [ "$done_ok" -eq "$uploads" ] ||
  gh_die "only $put_ok PUTs and $done_ok completes of $uploads succeeded"
gh_ms=$(( (t1 - t0) + (t3 - t2) + (t4 - t3) ))
: >"$work/nginx.cfg"
for i in $(seq 1 "$uploads"); do
  [ "$i" -gt 1 ] && echo next >>"$work/nginx.cfg"
  printf 'url = "http://127.0.0.1:%s/put/%d.bin"\nupload-file = "%s/small.bin"\noutput = "/dev/null"\n' \
    "$ng_port" "$i" "$work" >>"$work/nginx.cfg"
done
t5=$(now_ms)
curl -s --parallel --parallel-max "$in_flight" -K "$work/nginx.cfg"
t6=$(now_ms)
ng_ms=$((t6 - t5))
gh_rate=$(awk -v n="$uploads" -v ms="$gh_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
ng_rate=$(awk -v n="$uploads" -v ms="$ng_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')

# --- RSS during a 1 GiB upload ----------------------------------------------------------------
rm -f "$work/www/big.bin"
head -c $((1024 * 1024 * 1024)) /dev/zero >"$work/huge.bin"
rss_before=$(rss_kib)
upload "$work/huge.bin" application/octet-stream >"$work/huge.url" &
uploader=$!
peak=$rss_before
while kill -0 "$uploader" 2>/dev/null; do
  r=$(rss_kib); [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.05
done
wait "$uploader"

echo
echo "| measurement | Gatehouse | nginx-light (same run) | ratio (median) | spread |"
echo "|---|---:|---:|---:|---:|"
echo "| 256 MiB download, GET /storage/{token} vs sendfile (MiB/s, median of $rounds) | $(mib "$(median "${gh_speeds[@]}")") | $(mib "$(median "${ng_speeds[@]}")") | $(median "${ratios[@]}") | $(spread "${ratios[@]}") |"
echo "| $uploads small uploads, $in_flight in flight (uploads/s; Gatehouse: upload + PUT + complete, nginx: PUT) | $gh_rate | $ng_rate | $(ratio "$gh_rate" "$ng_rate") | one round |"
echo
echo "Gatehouse's small uploads by step: POST /api/v1/files/upload $((t1 - t0)) ms, PUT $((t3 - t2)) ms,"
echo "POST .../complete $((t4 - t3)) ms (nginx's PUTs: $ng_ms ms)."
echo
echo "| Gatehouse resident memory | MiB |"
echo "|---|---:|"
echo "| before the 1 GiB upload | $((rss_before / 1024)) |"
echo "| highest during the 1 GiB upload | $((peak / 1024)) |"
