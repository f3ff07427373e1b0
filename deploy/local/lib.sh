#!/usr/bin/env bash
# Shared helpers of the local scripts: paths, packages, ports, process checks.

GH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="/usr/lib/postgresql/15/bin"

# Debian packages Gatehouse builds with (the container image's build stage installs these).
GH_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git curl ca-certificates
  libcaf-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libnats-dev libpqxx-dev libhiredis-dev libsimdjson-dev libssl-dev libargon2-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libicu-dev
  libphonenumber8 libprotobuf-dev libabsl-dev
)
# Debian packages Gatehouse builds, runs and tests with.
GH_PACKAGES=(
  "${GH_BUILD_PACKAGES[@]}"
  postgresql-15 postgresql-client-15 redis-server nats-server
  # The s3 storage backend's tests run against OpenStack Swift's S3 API (tests/support/swift.sh).
  swift-proxy swift-account swift-container swift-object
  # The manifest test (tests/deploy/) parses deploy/'s YAML, runs the nginx configs, has
  # docker-compose validate the Compose file and kubectl render the kustomization (neither
  # needs a daemon or a cluster for that).
  python3 python3-yaml nginx-light docker-compose
)
# kubectl: Debian's kubernetes-client, unless the machine already has a kubectl (a package from
# Kubernetes' own repository owns /usr/bin/kubectl, and Debian's would fail to install over it).
command -v kubectl >/dev/null 2>&1 || GH_PACKAGES+=(kubernetes-client)
# The shared libraries the gatehouse binary loads, and curl for the image's HEALTHCHECK: all
# that the container image's runtime stage installs (tests/deploy/ checks it against `ldd`).
GH_RUNTIME_PACKAGES=(
  libc6 libgcc-s1 libstdc++6 libssl3 libcurl4 ca-certificates curl
  libcaf-core0.17 libboost-json1.81.0 libboost-url1.81.0 libsimdjson14 libicu72 libphonenumber8
  libnats3.4 libpqxx-6.4 libhiredis0.14 libargon2-1
)
# Debian packages whose headers are unpacked under .local/deps instead of installed:
# libphonenumber-dev depends on the unversioned libboost-thread-dev (Boost 1.74), which
# conflicts with the Boost 1.81 packages above. Its library comes from libphonenumber8 (above),
# the headers it includes from libprotobuf-dev and libabsl-dev; the version unpacked is the
# installed library's.
GH_HEADER_PACKAGES=(libphonenumber-dev:libphonenumber8)
GH_DEPS="$GH_ROOT/.local/deps"
# Only the benchmark and the fuzz targets need these.
GH_BENCH_PACKAGES=(nginx-light wrk)
GH_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)
# The browser tests: Debian's chromium, driven by playwright-core from npm (tests/browser/,
# installed with `npm ci`; it never downloads a browser of its own). Node.js comes with the
# machine (nodejs, with npm).
GH_BROWSER_PACKAGES=(chromium nodejs)

# TDLib for the Telegram sessions: npm's @prebuilt-tdlib/linux-x64-glibc at the version
# prebuilt-tdlib@0.1008065.0 installs (TDLib 1.8.65, the one Gatehouse speaks; glibc >= 2.17
# only), checked against these checksums (of the package and of the library in it).
GH_TDLIB_PACKAGE="@prebuilt-tdlib/linux-x64-glibc@0.1008065.0"
GH_TDLIB_TGZ="prebuilt-tdlib-linux-x64-glibc-0.1008065.0.tgz"
GH_TDLIB_TGZ_SHA256="c0db1f9fefefbd99e434d028e04acd95670ec65e3c875acd02482da145929d17"
GH_TDLIB_SHA256="d8f3282e4160580ffcdeaac95ac930ece51904b8fb595da109992e3f87ad903e"
GH_TDLIB_PATH="$GH_ROOT/.local/tdlib/1.8.65/libtdjson.so"

gh_log() { printf '\033[1m[gatehouse]\033[0m %s\n' "$*" >&2; }
gh_die() { gh_log "error: $*"; exit 1; }

# gh_install PKG...: installs the packages that are missing (apt-get, as root or with sudo).
gh_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    gh_log "installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    # Debian's packages start their own services where systemd runs; ours run on other ports.
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  gh_unpack_headers
}

# gh_unpack_headers: unpacks each of GH_HEADER_PACKAGES (`dev-package:installed-library`) at the
# installed library's version into GH_DEPS, once per version.
gh_unpack_headers() {
  local entry pkg lib version stamp tmp
  for entry in "${GH_HEADER_PACKAGES[@]}"; do
    pkg="${entry%%:*}" lib="${entry##*:}"
    version=$(dpkg-query -W -f='${Version}' "$lib" 2>/dev/null) || gh_die "$lib is not installed"
    stamp="$GH_DEPS/$pkg.version"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && continue
    gh_log "unpacking the headers of $pkg $version into $GH_DEPS"
    tmp=$(mktemp -d)
    chmod 777 "$tmp" # apt-get download runs as _apt
    if ! (cd "$tmp" && apt-get download -qq "$pkg=$version" >/dev/null 2>&1); then
      # An old package list may not know the version yet.
      if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
      (cd "$tmp" && apt-get download -qq "$pkg=$version" >/dev/null 2>&1) ||
        gh_die "cannot download $pkg=$version"
    fi
    mkdir -p "$GH_DEPS"
    dpkg-deb -x "$tmp"/*.deb "$GH_DEPS"
    rm -rf "$tmp"
    echo "$version" >"$stamp"
  done
}

# gh_port_in_use PORT: true when something listens on 127.0.0.1:PORT.
gh_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# gh_free_port: a port nothing listens on, from the range 10000-31999.
gh_free_port() {
  local p
  for _ in $(seq 1 100); do
    # Below the kernel's ephemeral range (32768 and up here), so an outgoing connection's
    # source port cannot take it between this check and the server's bind.
    p=$((10000 + RANDOM % 22000))
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

# gh_build DIR TYPE [CMAKE ARGS...]: configures (the arguments apply to a directory configured
# before as well) and builds (only $GH_BUILD_TARGETS when set, a space-separated list of targets).
gh_build() {
  local dir="$1" type="$2"; shift 2
  cmake -S "$GH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  # Two cores: two jobs; a file mixing CAF and Beast needs ~1 GiB to compile.
  local targets=()
  for t in ${GH_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
  cmake --build "$dir" -j "${GH_JOBS:-2}" "${targets[@]}"
}

# gh_install_tdlib: puts TDLib 1.8.65's libtdjson.so at $GH_TDLIB_PATH (once; fetched with npm
# and both checksums checked) and exports TDLIB_PATH pointing at it.
gh_install_tdlib() {
  if [ -f "$GH_TDLIB_PATH" ] && echo "$GH_TDLIB_SHA256  $GH_TDLIB_PATH" | sha256sum -c --status; then
    export TDLIB_PATH="$GH_TDLIB_PATH"
    return 0
  fi
  command -v npm >/dev/null || gh_install npm
  local tmp
  tmp=$(mktemp -d)
  gh_log "fetching TDLib 1.8.65 ($GH_TDLIB_PACKAGE) from npm"
  if ! (cd "$tmp" && npm pack --silent "$GH_TDLIB_PACKAGE" >/dev/null); then
    rm -rf "$tmp"
    gh_die "cannot fetch $GH_TDLIB_PACKAGE from npm"
  fi
  if ! echo "$GH_TDLIB_TGZ_SHA256  $tmp/$GH_TDLIB_TGZ" | sha256sum -c --status; then
    rm -rf "$tmp"
    gh_die "$GH_TDLIB_TGZ does not have the recorded checksum"
  fi
  tar -xzf "$tmp/$GH_TDLIB_TGZ" -C "$tmp" package/libtdjson.so
  if ! echo "$GH_TDLIB_SHA256  $tmp/package/libtdjson.so" | sha256sum -c --status; then
    rm -rf "$tmp"
    gh_die "libtdjson.so does not have the recorded checksum"
  fi
  mkdir -p "$(dirname "$GH_TDLIB_PATH")"
  install -m 0644 "$tmp/package/libtdjson.so" "$GH_TDLIB_PATH"
  rm -rf "$tmp"
  export TDLIB_PATH="$GH_TDLIB_PATH"
}
