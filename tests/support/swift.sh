#!/usr/bin/env bash
# OpenStack Swift with its S3 API on loopback, for the s3 backend's tests: one-replica rings,
# account/container/object servers and a proxy (s3api + tempauth: access key `test:tester`,
# secret `testing`, region us-east-1), all under DIR.
#
#   swift.sh start DIR BUCKET   start, create BUCKET; writes DIR/env (S3_ENDPOINT, S3_BUCKET, ...)
#   swift.sh stop DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"

cmd="${1:-}"; dir="${2:-}"; bucket="${3:-gatehouse}"
[ -n "$cmd" ] && [ -n "$dir" ] || gh_die "usage: swift.sh start|stop DIR [BUCKET]"

stop() {
  for f in "$dir"/*.pid; do
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    gh_alive "$pid" && kill "$pid" 2>/dev/null || true
    gh_wait_dead "$pid" 5 || kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || gh_die "unknown command $cmd"

mkdir -p "$dir/srv/d1"
dir="$(cd "$dir" && pwd)"
# Swift reads its hash prefix and suffix from /etc/swift/swift.conf, nowhere else (the package
# installs one; a machine without it gets this one).
if [ ! -f /etc/swift/swift.conf ]; then
  mkdir -p /etc/swift
  printf '[swift-hash]\nswift_hash_path_prefix = gatehouse-test\nswift_hash_path_suffix = gatehouse-test\n' \
    >/etc/swift/swift.conf
fi

declare -A port
for s in account container object proxy; do port[$s]=$(gh_free_port); done

for s in account container object; do
  (cd "$dir" && swift-ring-builder "$s.builder" create 4 1 0 >/dev/null &&
    swift-ring-builder "$s.builder" add "r1z1-127.0.0.1:${port[$s]}/d1" 1 >/dev/null &&
    swift-ring-builder "$s.builder" rebalance >/dev/null) || gh_die "cannot build the $s ring"
  cat >"$dir/$s-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port[$s]}
workers = 0
mount_check = false
devices = $dir/srv
swift_dir = $dir
user = root
log_facility = LOG_LOCAL0

[pipeline:main]
pipeline = $s-server

[app:$s-server]
use = egg:swift#$s
CONF
done

cat >"$dir/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port[proxy]}
workers = 0
swift_dir = $dir
user = root

[pipeline:main]
pipeline = catch_errors proxy-logging cache s3api tempauth proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
CONF

for s in account container object proxy; do
  setsid "swift-$s-server" "$dir/$s-server.conf" >"$dir/$s.log" 2>&1 </dev/null &
  echo $! >"$dir/$s.pid"
done

# Ready when the bucket can be made through the S3 API itself (a SigV4-signed PUT Bucket; the
# native API's tokens would need memcached).
cat >"$dir/make_bucket.py" <<'PY'
import datetime, hashlib, hmac, sys, urllib.request
endpoint, bucket, access, secret, region = sys.argv[1:6]
host = endpoint.split("://", 1)[1]
now = datetime.datetime.utcnow()
date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
empty = hashlib.sha256(b"").hexdigest()
canonical = f"PUT\n/{bucket}\n\nhost:{host}\nx-amz-content-sha256:{empty}\nx-amz-date:{date}\n\nhost;x-amz-content-sha256;x-amz-date\n{empty}"
scope = f"{day}/{region}/s3/aws4_request"
to_sign = f"AWS4-HMAC-SHA256\n{date}\n{scope}\n" + hashlib.sha256(canonical.encode()).hexdigest()
k = ("AWS4" + secret).encode()
for part in (day, region, "s3", "aws4_request"):
    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
req = urllib.request.Request(f"{endpoint}/{bucket}", method="PUT", headers={
    "x-amz-date": date, "x-amz-content-sha256": empty,
    "Authorization": f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={sig}"})
try:
    print(urllib.request.urlopen(req, timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code, e.read()[:300])
PY
code=""
for _ in $(seq 1 100); do
  code=$(python3 "$dir/make_bucket.py" "http://127.0.0.1:${port[proxy]}" "$bucket" test:tester testing \
    us-east-1 2>/dev/null | cut -d' ' -f1 || true)
  case "$code" in 200|409) break ;; esac
  sleep 0.1
done
case "$code" in 200|409) ;; *) tail -n 20 "$dir"/*.log >&2; stop; gh_die "Swift did not start ($code)" ;; esac

cat >"$dir/env" <<ENV
S3_ENDPOINT=http://127.0.0.1:${port[proxy]}
S3_REGION=us-east-1
S3_BUCKET=$bucket
S3_ACCESS_KEY_ID=test:tester
S3_SECRET_ACCESS_KEY=testing
S3_FORCE_PATH_STYLE=true
ENV
