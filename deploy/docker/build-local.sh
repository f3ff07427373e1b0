#!/usr/bin/env bash
# Builds Gatehouse's container image with Debian's podman on a machine that reaches no image
# registry, starts it against PostgreSQL, Redis and NATS started here on free ports, and checks
# that its health routes and its HEALTHCHECK answer. Prints how long each step took.
#
#   deploy/docker/build-local.sh            base image (once), image, run, check, stop
#   GH_IMAGE=name:tag deploy/docker/build-local.sh
#
# `--format docker` keeps the HEALTHCHECK (the OCI format has none). The base image is made with debootstrap from the Debian mirror this machine's apt uses
# (minbase bookworm, with the updates and security suites as apt has them) and imported as
# localhost/gatehouse-base:bookworm; the Dockerfile takes it as BASE_IMAGE. The image's compiler
# cache is this machine's ccache (mounted into the build), so a build after a local one is quick.
# Run it as root. On a shared machine, run it under the shared build lock (it compiles).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$GH_ROOT"

[ "$(id -u)" -eq 0 ] || gh_die "run as root (podman and debootstrap need it here)"
base="localhost/gatehouse-base:bookworm"
image="${GH_IMAGE:-localhost/gatehouse:local}"
work="$(mktemp -d /var/tmp/gatehouse-image.XXXXXX)"
services="$work/services"
# PostgreSQL runs as its own user: it must reach its data under the services folder.
chmod 755 "$work"
mkdir -m 755 "$services"
container=""
cleanup() {
  if [ -n "$container" ]; then podman rm -f -t 5 "$container" >/dev/null 2>&1 || true; fi
  podman volume rm -f gatehouse-local-data >/dev/null 2>&1 || true
  bash deploy/local/services.sh stop "$services" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
timed() {
  local label="$1" start=$SECONDS
  shift
  "$@"
  gh_log "$label took $((SECONDS - start)) s"
}

gh_install podman debootstrap uidmap runc fuse-overlayfs slirp4netns
# What containers may run with here: runc (crun refuses a host with cgroup v1 and v2 mounted side
# by side), and resource limits no higher than this shell's (podman's defaults are higher, and
# raising a limit needs CAP_SYS_RESOURCE, which a container host of its own may not grant).
run_opts=(--runtime runc --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=32768:32768)

# The first Debian mirror apt uses here (deb822 `URIs:` or a one-line `deb` entry).
debian_mirror() {
  local m
  m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
    grep -v -- '-security' | head -1)
  [ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    awk '{print $2}' | grep -v -- '-security' | head -1)
  [ -n "$m" ] || gh_die "no Debian mirror found in /etc/apt/sources*"
  echo "$m"
}

make_base() {
  local rootfs="$work/rootfs" mirror
  mirror="$(debian_mirror)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; gh_die "debootstrap failed"; }
  # The same suites as this machine's apt, so the image's packages match its versions.
  rm -f "$rootfs/etc/apt/sources.list"
  if compgen -G "/etc/apt/sources.list.d/debian*.sources" >/dev/null; then
    cp /etc/apt/sources.list.d/debian*.sources "$rootfs/etc/apt/sources.list.d/"
  else
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" \
      >"$rootfs/etc/apt/sources.list"
  fi
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | podman import - "$base" >/dev/null
}

if podman image exists "$base"; then
  gh_log "base image $base is there"
else
  timed "debootstrap + podman import of $base" make_base
fi

mkdir -p "${CCACHE_DIR:-/root/.cache/ccache}"
timed "podman build of $image" podman build "${run_opts[@]}" --format docker --layers \
  -f deploy/docker/Dockerfile -t "$image" \
  --build-arg BASE_IMAGE="$base" --build-arg GH_JOBS="${GH_JOBS:-2}" \
  --build-arg CCACHE_DIR=/ccache -v "${CCACHE_DIR:-/root/.cache/ccache}:/ccache" .
podman image ls "$image" --format '{{.Repository}}:{{.Tag}} {{.Size}}'

# Services on free loopback ports; the container shares the host's network to reach them.
bash deploy/local/services.sh start "$services" auto >/dev/null
source "$services/env"
secrets="$work/secrets"
mkdir -p "$secrets"
openssl genpkey -algorithm ed25519 -out "$secrets/jwt.pem" 2>/dev/null
head -c 48 /dev/urandom | base64 | tr -d '\n' >"$secrets/secrets_key"
printf '%s' "$DATABASE_URL" >"$secrets/database_url"
printf '%s' "$REDIS_URL" >"$secrets/redis_url"
printf '%s' "$NATS_URL" >"$secrets/nats_url"
chmod 0444 "$secrets"/*
port=$(gh_free_port)
start=$SECONDS
container=$(podman run "${run_opts[@]}" -d --network host --read-only --tmpfs /tmp:rw,size=64m \
  --cap-drop ALL --security-opt no-new-privileges -v gatehouse-local-data:/var/lib/gatehouse \
  -v "$secrets:/run/secrets:ro" \
  -e GATEHOUSE_LISTEN="127.0.0.1:$port" -e GATEHOUSE_PUBLIC_URL=https://gatehouse.test \
  -e GATEHOUSE_INSTANCE_ID=image-check \
  -e JWT_SIGNING_KEY_FILE=/run/secrets/jwt.pem \
  -e GATEHOUSE_SECRETS_KEY_FILE=/run/secrets/secrets_key \
  -e DATABASE_URL_FILE=/run/secrets/database_url -e REDIS_URL_FILE=/run/secrets/redis_url \
  -e NATS_URL_FILE=/run/secrets/nats_url "$image")
ready=""
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  [ "$(podman inspect -f '{{.State.Running}}' "$container")" = true ] || break
  sleep 0.1
done
[ -n "$ready" ] || { podman logs "$container" | tail -20; gh_die "the container never became ready"; }
gh_log "container ready after $((SECONDS - start)) s"
curl -fsS "http://127.0.0.1:$port/healthz"; echo
curl -fsS "http://127.0.0.1:$port/readyz"; echo
podman healthcheck run "$container" && gh_log "HEALTHCHECK: healthy"
podman exec "$container" id
podman stop -t 15 "$container" >/dev/null
code=$(podman inspect -f '{{.State.ExitCode}}' "$container")
[ "$code" = 0 ] || gh_die "gatehouse exited with $code on SIGTERM"
gh_log "stopped on SIGTERM with exit code 0"
