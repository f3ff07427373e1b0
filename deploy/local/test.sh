#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every test, starts PostgreSQL,
# Redis and NATS for this run on free ports (so runs never collide with each other or with a
# dev instance), runs the unit, integration and browser tests with ctest, and stops the services.
#
#   deploy/local/test.sh              Release build with tests (build/test)
#   deploy/local/test.sh --sanitize   ASan + UBSan build (build/asan)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

mode="${1:-}"
gh_install "${GH_PACKAGES[@]}" "${GH_BROWSER_PACKAGES[@]}"
# The browser tests' npm packages, exactly as package-lock.json pins them. Debian's nodejs comes
# without npm; a machine whose Node.js brings its own npm needs nothing more.
command -v npm >/dev/null || gh_install npm
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
if [ "$mode" = "--sanitize" ]; then
  build=build/asan
  # -O1 with line tables only: what ASan recommends, and the heaviest CAF+Beast files compile in
  # a third of the time they take at -O2 -g.
  gh_build "$build" RelWithDebInfo -DGATEHOUSE_SANITIZE=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  build=build/test
  gh_build "$build" Release
fi

# The OpenAPI check validates with a Node.js library from npm (tests/openapi).
command -v node >/dev/null 2>&1 || gh_install nodejs npm
if [ ! -d tests/openapi/node_modules ] || [ tests/openapi/package-lock.json -nt tests/openapi/node_modules ]; then
  npm ci --prefix tests/openapi --no-audit --no-fund --loglevel=error >/dev/null
  touch tests/openapi/node_modules
fi

services="$(mktemp -d /tmp/gatehouse-test.XXXXXX)"
chmod 755 "$services"
cleanup() {
  bash deploy/local/services.sh stop "$services" || true
  rm -rf "$services"
}
trap cleanup EXIT
bash deploy/local/services.sh start "$services" auto
source "$services/env"
export PATH="$PATH:/usr/sbin:/sbin"
export GATEHOUSE_BIN="$GH_ROOT/$build/gateway/gatehouse"

ctest --test-dir "$build" --output-on-failure --timeout 600 ${CTEST_ARGS:-}
