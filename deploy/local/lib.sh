#!/usr/bin/env bash
# Shared helpers of the local scripts: paths, packages, ports, process checks.

GH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="/usr/lib/postgresql/15/bin"

# Debian packages Gatehouse builds, runs and tests with.
GH_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git curl ca-certificates
  libcaf-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libnats-dev libpqxx-dev libhiredis-dev libsimdjson-dev libssl-dev libargon2-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev
  postgresql-15 postgresql-client-15 redis-server nats-server
)
# Only the benchmark and the fuzz targets need these.
GH_BENCH_PACKAGES=(nginx-light wrk)
GH_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)

gh_log() { printf '\033[1m[gatehouse]\033[0m %s\n' "$*" >&2; }
gh_die() { gh_log "error: $*"; exit 1; }

# gh_install PKG...: installs the packages that are missing (apt-get, as root or with sudo).
gh_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  gh_log "installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  # Debian's packages start their own services where systemd runs; ours run on other ports.
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# gh_port_in_use PORT: true when something listens on 127.0.0.1:PORT.
gh_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# gh_free_port: a port nothing listens on, from the range 20000-59999.
gh_free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    gh_port_in_use "$p" || { echo "$p"; return 0; }
  done
  gh_die "no free port found"
}

# gh_alive PID: true while the process exists and is not a zombie (PID 1 may reap late).
gh_alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# gh_wait_dead PID [SECONDS]
gh_wait_dead() {
  local n=$(( ${2:-10} * 10 ))
  while gh_alive "$1" && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  ! gh_alive "$1"
}

# gh_build DIR TYPE [CMAKE ARGS...]: configures (once) and builds (only $GH_BUILD_TARGETS when
# set, a space-separated list of targets).
gh_build() {
  local dir="$1" type="$2"; shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$GH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  fi
  # Two cores: two jobs; a file mixing CAF and Beast needs ~1 GiB to compile.
  local targets=()
  for t in ${GH_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
  cmake --build "$dir" -j "${GH_JOBS:-2}" "${targets[@]}"
}
